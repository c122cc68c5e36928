"""simple-HigherHRNet's HeatmapParser interface: its call and return layout, the official people."""
import numpy as np
import pytest
import torch

from conftest import reference_path
from higherhrnet.model_def.inference.estimator import OFFICIAL_TEST_CFG
from higherhrnet.model_def.simple_higherhrnet.heatmap_parser import HeatmapParser

CASE = 'three_people_nonsquare'


@pytest.fixture(scope='module')
def case():
    cases = np.load(reference_path('parse_cases.npz'))
    return {name: cases[f'{CASE}__{name}'] for name in
            ('det', 'tag', 'refine__grouped', 'refine__scores', 'raw__grouped', 'raw__scores')}


def parser(settings=None):
    return HeatmapParser(dict(OFFICIAL_TEST_CFG) if settings is None else settings, 17, 'coco')


def test_parse_gives_the_official_people_in_simple_higherhrnets_layout(case):
    det, tag = torch.from_numpy(case['det']), torch.from_numpy(case['tag'])  # [1, K, H, W], [.., 1]
    people, scores = parser().parse(det, tag)
    assert isinstance(people, list) and len(people) == 1
    assert isinstance(people[0], torch.Tensor) and people[0].dtype == torch.float32
    np.testing.assert_allclose(people[0].numpy(), case['refine__grouped'], rtol=0, atol=1e-5)
    assert all(isinstance(s, torch.Tensor) and s.ndim == 0 for s in scores)
    np.testing.assert_allclose([s.item() for s in scores], case['refine__scores'], rtol=0, atol=1e-6)

    raw, _ = parser().parse(case['det'], case['tag'][..., 0], adjust=False, refine=False)  # numpy, 4-d tags
    np.testing.assert_allclose(raw[0].numpy(), case['raw__grouped'], rtol=0, atol=1e-5)


def test_a_batch_gives_people_per_image_and_the_first_images_scores(case):
    det = np.concatenate([case['det'], np.zeros_like(case['det'])])
    tag = np.concatenate([case['tag'], case['tag']])
    people, scores = parser().parse(det, tag)
    assert [p.shape for p in people] == [case['refine__grouped'].shape, (0, 17, 4)]
    assert len(scores) == len(case['refine__scores'])


def test_settings_are_shared_with_whoever_gave_them(case):
    settings = dict(OFFICIAL_TEST_CFG)
    shared = parser(settings)
    assert (shared.detection_threshold, shared.ignore_too_much, shared.max_num_people) == (0.1, False, 30)
    shared.detection_threshold = 1e9
    assert settings['detection_threshold'] == 1e9
    people, scores = shared.parse(case['det'], case['tag'])
    assert people[0].shape == (0, 17, 4) and scores == []


def test_bad_maps_are_refused(case):
    with pytest.raises(ValueError, match=r'\[N, K, H, W\]'):
        parser().parse(case['det'][0], case['tag'])
    with pytest.raises(ValueError, match='tag must be'):
        parser().parse(case['det'], case['tag'][:, :, :, :, 0, None, None])

"""``higherhrnet predict`` on synthetic pictures with a tiny model: the JSON is the estimator's result."""
import json

import cv2
import numpy as np
import pytest

from cli_testdata import synthetic_image, tiny_coco_model  # noqa: F401 (fixture)
from higherhrnet.cli.main import main


def test_predict_folder_writes_the_estimators_json_and_annotated_pngs(tmp_path, tiny_coco_model):
    from higherhrnet.model_def import PoseEstimator
    from higherhrnet.model_def.inference.serialize import people_to_json

    config, checkpoint = tiny_coco_model
    folder = tmp_path / 'images'
    folder.mkdir()
    # One size, so that the tool's batch of 2 and the check below each take one network pass.
    images = {'a.png': synthetic_image(96, 128, seed=1), 'b.jpg': synthetic_image(96, 128, seed=2)}
    for name, image in images.items():
        cv2.imwrite(str(folder / name), image)
    (folder / 'notes.txt').write_text('not an image')

    out = tmp_path / 'out'
    assert main(['predict', str(folder), '--out', str(out), '--config', str(config),
                 '--checkpoint', str(checkpoint), '--batch-size', '2']) == 0
    assert sorted(p.name for p in out.iterdir()) == ['a.json', 'a.png', 'b.json', 'b.png']

    estimator = PoseEstimator.from_config(config, checkpoint=checkpoint)
    # Read back as the tool read them (the JPEG is lossy).
    read = [cv2.imread(str(folder / name)) for name in ('a.png', 'b.jpg')]
    for stem, image, result in zip('ab', read, estimator.predict(read)):
        expected = people_to_json(result, dataset_meta=estimator.dataset_meta,
                                  image_size=(image.shape[1], image.shape[0]), model_name=estimator.config_name)
        written = json.loads((out / f'{stem}.json').read_text())
        assert written == json.loads(json.dumps(expected))
        assert written['image_size'] == [image.shape[1], image.shape[0]]
        annotated = cv2.imread(str(out / f'{stem}.png'))
        assert annotated.shape == image.shape
        if written['people']:
            assert not np.array_equal(annotated, image)


def test_predict_without_checkpoint_marks_the_json_untrained(tmp_path, tiny_coco_model, capsys):
    config, _ = tiny_coco_model
    cv2.imwrite(str(tmp_path / 'one.png'), synthetic_image(64, 64))
    assert main(['predict', str(tmp_path / 'one.png'), '--out', str(tmp_path / 'out'), '--config', str(config),
                 '--no-flip-test']) == 0
    assert json.loads((tmp_path / 'out' / 'one.json').read_text())['untrained'] is True
    assert 'untrained' in capsys.readouterr().err


@pytest.mark.parametrize('make_source, message', [
    (lambda folder: folder / 'missing.png', 'no such image'),
    (lambda folder: folder, 'holds no images'),
    (lambda folder: (folder / 'broken.png').write_bytes(b'not a png') and folder / 'broken.png', 'cannot read'),
])
def test_predict_bad_input_ends_with_a_clear_error(tmp_path, make_source, message, capsys):
    folder = tmp_path / 'in'
    folder.mkdir()
    source = make_source(folder)
    assert main(['predict', str(source), '--out', str(tmp_path / 'out')]) == 2
    assert message in capsys.readouterr().err


def test_without_checkpoint_the_seeded_weights_find_the_same_people_and_the_picture_says_untrained(
        tmp_path, tiny_coco_model, capsys):
    config = tiny_coco_model[0]
    cv2.imwrite(str(tmp_path / 'a.png'), synthetic_image(96, 128, seed=1))
    documents = []
    for run in ('first', 'second'):
        assert main(['predict', str(tmp_path / 'a.png'), '--out', str(tmp_path / run), '--config', str(config),
                     '--no-flip-test']) == 0
        documents.append(json.loads((tmp_path / run / 'a.json').read_text()))
    assert 'untrained weights' in capsys.readouterr().err
    assert documents[0]['untrained'] is True and documents[0]['people']
    assert documents[0] == documents[1]
    # The note's white letters at the top-left (the synthetic picture has no white there).
    original = cv2.imread(str(tmp_path / 'a.png'))
    annotated = cv2.imread(str(tmp_path / 'first' / 'a.png'))
    assert not (original[:20, :120] > 200).all(axis=2).any()
    assert (annotated[:20, :120] > 200).all(axis=2).sum() > 30


def test_heatmaps_writes_the_maps_over_each_image_and_says_where(tmp_path, tiny_coco_model, capsys):
    config, checkpoint = tiny_coco_model
    image = synthetic_image(96, 128, seed=3)
    cv2.imwrite(str(tmp_path / 'a.png'), image)
    out = tmp_path / 'out'
    assert main(['predict', str(tmp_path / 'a.png'), '--out', str(out), '--config', str(config),
                 '--checkpoint', str(checkpoint), '--no-flip-test', '--heatmaps']) == 0
    assert sorted(p.name for p in out.iterdir()) == ['a.json', 'a.png', 'a_heatmaps.png', 'a_tags.png']
    printed = capsys.readouterr().out
    assert f'a: maps in {out / "a_heatmaps.png"}, {out / "a_tags.png"}' in printed
    assert 'wrote 4 files' in printed
    heatmaps, tags = (cv2.imread(str(out / f'a_{kind}.png')) for kind in ('heatmaps', 'tags'))
    for picture in (heatmaps, tags):
        assert picture.shape == image.shape
        assert not np.array_equal(picture, image)
    assert not np.array_equal(heatmaps, tags)
    # the JSON is the one without --heatmaps
    assert main(['predict', str(tmp_path / 'a.png'), '--out', str(tmp_path / 'plain'), '--config', str(config),
                 '--checkpoint', str(checkpoint), '--no-flip-test']) == 0
    assert (tmp_path / 'plain' / 'a.json').read_text() == (out / 'a.json').read_text()


def test_heatmaps_refuses_an_input_whose_name_its_maps_would_take(tmp_path, capsys):
    for name in ('a.png', 'a_tags.png'):
        cv2.imwrite(str(tmp_path / name), synthetic_image(64, 64))
    assert main(['predict', str(tmp_path), '--out', str(tmp_path / 'out'), '--heatmaps']) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and 'a_tags.png' in error and 'would overwrite' in error

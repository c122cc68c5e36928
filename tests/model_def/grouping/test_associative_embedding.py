"""group_keypoints must equal the official HeatmapParser.parse: the stored goldens, and a plain
full-map re-statement of the official algorithm (``_reference_parse``, with the munkres 1.1.4
package) on random maps that exercise what the goldens do not (tile borders, T = 2, CrowdPose's
14 joints, exact tag-key collisions)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from munkres import Munkres

from conftest import reference_path
from higherhrnet.model_def.grouping import peak_search
from higherhrnet.model_def.grouping.associative_embedding import (COCO_JOINT_ORDER, CROWDPOSE_JOINT_ORDER, default_joint_order, group_keypoints,
                                            top_k)

MODES = {'raw': (False, False), 'adjust': (True, False), 'refine': (True, True)}


def _parse_cases():
    return np.load(reference_path('parse_cases.npz'))


def _tie_cases():
    """Heatmaps with flat-topped maxima of exactly equal values, whose official grouping depends
    on the order in which torch.topk returns equal values."""
    return np.load(reference_path('parse_ties.npz'))


def _case_names(cases=_parse_cases):
    try:
        return [str(c) for c in cases()['case_names']]
    except BaseException:  # reference absent: one placeholder that skips
        return ['absent']


def _assert_same_people(poses, scores, expected, expected_scores):
    assert poses.dtype == np.float32 and scores.dtype == np.float32
    assert poses.shape == expected.shape
    np.testing.assert_allclose(poses, expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(scores, expected_scores, rtol=0, atol=1e-6)


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('case', _case_names())
def test_parse_cases(case, mode):
    cases = _parse_cases()
    adjust, refine = MODES[mode]
    poses, scores = group_keypoints(cases[f'{case}__det'][0], cases[f'{case}__tag'][0],
                                    adjust=adjust, refine=refine)
    _assert_same_people(poses, scores, cases[f'{case}__{mode}__grouped'],
                        cases[f'{case}__{mode}__scores'])


@pytest.mark.parametrize('case', _case_names())
def test_top_k_above_threshold(case):
    cases = _parse_cases()
    det = torch.from_numpy(cases[f'{case}__det'][0])
    tag = torch.from_numpy(cases[f'{case}__tag'][0])
    val_k, loc_k, tag_k = top_k(det, tag, 30, 0.1)
    expected_val = cases[f'{case}__topk_val_k'][0]
    meaningful = expected_val > 0.1
    np.testing.assert_array_equal(val_k > 0.1, meaningful)
    np.testing.assert_array_equal(val_k[meaningful], expected_val[meaningful])
    np.testing.assert_array_equal(loc_k[meaningful], cases[f'{case}__topk_loc_k'][0][meaningful])
    np.testing.assert_array_equal(tag_k[meaningful], cases[f'{case}__topk_tag_k'][0][meaningful])


def test_goldens_without_ties_keep_the_tiled_search(monkeypatch):
    def refuse(*args):
        raise AssertionError('the full-map top-k ran on maps without equal candidates')
    monkeypatch.setattr(peak_search, 'official_nms_top_k', refuse)
    cases = _parse_cases()
    for case in _case_names():
        top_k(torch.from_numpy(cases[f'{case}__det'][0]), torch.from_numpy(cases[f'{case}__tag'][0]),
              30, 0.1)


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('case', _case_names(_tie_cases))
def test_parse_ties(case, mode):
    cases = _tie_cases()
    adjust, refine = MODES[mode]
    poses, scores = group_keypoints(cases[f'{case}__det'][0], cases[f'{case}__tag'][0],
                                    adjust=adjust, refine=refine)
    np.testing.assert_array_equal(poses, cases[f'{case}__{mode}__grouped'])
    np.testing.assert_array_equal(scores, cases[f'{case}__{mode}__scores'])
    assert poses.dtype == np.float32 and scores.dtype == np.float32


@pytest.mark.parametrize('case', _case_names(_tie_cases))
def test_top_k_with_ties(case):
    # equal candidates send the search to the official full-map topk: every entry is official
    cases = _tie_cases()
    val_k, loc_k, _ = top_k(torch.from_numpy(cases[f'{case}__det'][0]),
                            torch.from_numpy(cases[f'{case}__tag'][0]), 30, 0.1)
    np.testing.assert_array_equal(val_k, cases[f'{case}__topk_val_k'])
    np.testing.assert_array_equal(loc_k, cases[f'{case}__topk_loc_k'])


def test_numpy_and_torch_inputs_agree():
    cases = _parse_cases()
    det, tag = cases['eight_people__det'][0], cases['eight_people__tag'][0]
    from_numpy = group_keypoints(det, tag)
    from_torch = group_keypoints(torch.from_numpy(det), torch.from_numpy(tag))
    for ours, theirs in zip(from_numpy, from_torch):
        np.testing.assert_array_equal(ours, theirs)


def test_empty_result_shape():
    det = np.zeros((17, 24, 40), np.float32)
    poses, scores = group_keypoints(det, np.zeros((17, 24, 40, 2), np.float32))
    assert poses.shape == (0, 17, 5) and poses.dtype == np.float32
    assert scores.shape == (0,) and scores.dtype == np.float32


def test_pipeline_keys_ignored_and_unknown_key_rejected():
    det = np.zeros((17, 8, 8), np.float32)
    tag = np.zeros((17, 8, 8, 1), np.float32)
    group_keypoints(det, tag, flip_test=True, scale_factor=[1], project2image=True, input_size=512)
    with pytest.raises(TypeError, match='detection_treshold'):
        group_keypoints(det, tag, detection_treshold=0.2)


@pytest.mark.parametrize('heatmaps, tags', [
    (np.zeros((17, 8, 8), np.float32), np.zeros((17, 8, 8), np.float32)),  # tags without T
    (np.zeros((17, 8, 8), np.float32), np.zeros((17, 8, 9, 1), np.float32)),
    (np.zeros((8, 8), np.float32), np.zeros((8, 8, 1), np.float32)),
])
def test_bad_shapes(heatmaps, tags):
    with pytest.raises(ValueError):
        group_keypoints(heatmaps, tags)


def test_default_joint_order_is_the_official_one_where_it_applies_else_the_file_order():
    assert default_joint_order(17) == list(COCO_JOINT_ORDER)
    assert default_joint_order(14) == list(CROWDPOSE_JOINT_ORDER)
    assert default_joint_order(5) == [0, 1, 2, 3, 4, 5][:5]
    assert default_joint_order(9) == list(range(9))  # the official first 9 skip joint 7
    assert default_joint_order(21) == list(range(21))


def test_any_joint_count_groups_in_its_default_order():
    det = np.zeros((9, 16, 16), np.float32)
    tag = np.zeros((9, 16, 16, 1), np.float32)
    det[:, 4, 4] = 0.9  # one person: every joint at (4, 4) with the same tag
    poses, scores = group_keypoints(det, tag)
    assert poses.shape == (1, 9, 4) and np.allclose(poses[0, :, 2], 0.9)
    explicit, _ = group_keypoints(det, tag, joint_order=range(9))
    np.testing.assert_array_equal(poses, explicit)


@pytest.mark.parametrize('options', [dict(nms_kernel=5, nms_padding=1), dict(max_num_people=0),
                                     dict(joint_order=[0] * 17), dict(detection_threshold=-1)])
def test_bad_options(options):
    with pytest.raises(ValueError):
        group_keypoints(np.zeros((17, 8, 8), np.float32), np.zeros((17, 8, 8, 1), np.float32),
                        **options)


def test_bad_types():
    with pytest.raises(TypeError):
        group_keypoints([[0.0]], np.zeros((1, 1, 1, 1), np.float32))
    with pytest.raises(TypeError):
        group_keypoints(np.zeros((17, 8, 8), np.int64), np.zeros((17, 8, 8, 1), np.float32))


# ---------------------------------------------------------------------------------------------
# Random maps against a full-map statement of the official algorithm.

def _reference_parse(det, tag, adjust, refine, joint_order, max_people=30, threshold=0.1):
    """The official HeatmapParser.parse for one image, written out plainly: full-map NMS and
    top-k, dict keyed by np.float32 tags, the munkres package, per-person full refine maps."""
    num_joints, height, width = det.shape
    t = torch.from_numpy(det)
    # topk over the official layout [1, K, H * W]: the order of equal values is topk's own
    kept = t[None] * (F.max_pool2d(t[None], 5, 1, 2) == t[None]).float()
    val_k, ind = kept.view(1, num_joints, -1).topk(max_people, dim=2)
    val_k, ind = val_k[0].numpy(), ind[0].numpy()
    tag_k = np.stack([np.take_along_axis(tag[..., i].reshape(num_joints, -1), ind, 1)
                      for i in range(tag.shape[3])], axis=2)
    loc_k = np.stack((ind % width, ind // width), axis=2)
    joint_dict, tag_dict = {}, {}
    for i, idx in enumerate(joint_order):
        joints = np.concatenate((loc_k[idx], val_k[idx, :, None], tag_k[idx]), 1)
        mask = joints[:, 2] > threshold
        tags, joints = tag_k[idx][mask], joints[mask]
        if len(joints) == 0:
            continue
        if i == 0 or len(joint_dict) == 0:
            for tg, joint in zip(tags, joints):
                joint_dict.setdefault(tg[0], np.zeros((num_joints, 3 + tag.shape[3])))[idx] = joint
                tag_dict[tg[0]] = [tg]
            continue
        keys = list(joint_dict)[:max_people]
        means = np.array([np.mean(tag_dict[k], axis=0) for k in keys])
        dist = np.linalg.norm(joints[:, None, 3:] - means[None], ord=2, axis=2)
        cost = np.round(dist) * 100 - joints[:, 2:3]
        if len(joints) > len(keys):
            cost = np.concatenate((cost, np.zeros((len(joints), len(joints) - len(keys))) + 1e10), 1)
        for row, col in Munkres().compute(cost.tolist()):
            if row < len(joints) and col < len(keys) and dist[row][col] < 1.0:
                joint_dict[keys[col]][idx] = joints[row]
                tag_dict[keys[col]].append(tags[row])
            else:
                joint_dict.setdefault(tags[row][0], np.zeros((num_joints, 3 + tag.shape[3])))[idx] = \
                    joints[row]
                tag_dict[tags[row][0]] = [tags[row]]
    people = np.array([joint_dict[k] for k in joint_dict]).astype(np.float32)
    people = people.reshape(-1, num_joints, 3 + tag.shape[3])
    for person in people if adjust else ():
        for j, joint in enumerate(person):
            if joint[2] > 0:
                x, y = joint[0:2]
                xi, yi = int(x), int(y)
                m = det[j]
                x += 0.25 if m[yi, min(xi + 1, width - 1)] > m[yi, max(xi - 1, 0)] else -0.25
                y += 0.25 if m[min(yi + 1, height - 1), xi] > m[max(yi - 1, 0), xi] else -0.25
                person[j, 0:2] = (x + 0.5, y + 0.5)
    scores = np.array([p[:, 2].mean() for p in people], dtype=np.float32)
    for person in people if refine else ():
        found = [tag[j, int(p[1]), int(p[0])] for j, p in enumerate(person.astype(np.int32))
                 if person[j, 2] > 0]
        prev = np.mean(found, axis=0)
        for j in range(num_joints):
            if person[j, 2] != 0:  # the official code computes these too, then discards them
                continue
            m = det[j]
            score = m - np.round(((tag[j] - prev[None, None, :]) ** 2).sum(axis=2) ** 0.5)
            y, x = np.unravel_index(np.argmax(score), m.shape)
            val = m[y, x]
            xs = x + 0.5 + (0.25 if m[y, min(x + 1, width - 1)] > m[y, max(x - 1, 0)] else -0.25)
            ys = y + 0.5 + (0.25 if m[min(y + 1, height - 1), x] > m[max(y - 1, 0), x] else -0.25)
            if val > 0:
                person[j, :3] = (xs, ys, val)
    return people, scores


def _random_maps(rng, num_joints, height, width, num_tags, people, background, tag_levels=None,
                 heat_step=None):
    """Smooth random heat (``background`` above 0.1 makes spurious candidates: many people) with
    people-like peaks; tags per person + noise, or drawn from a few exact levels (``tag_levels``)
    so that equal tag keys occur. ``heat_step`` rounds the heat to its multiples: flat-topped
    maxima of equal values."""
    heat = rng.rand(num_joints, height // 4 + 2, width // 4 + 2).astype(np.float32) * 0.2 - 0.1
    heat += background
    heat = F.interpolate(torch.from_numpy(heat)[None], size=(height, width), mode='bilinear',
                         align_corners=False)[0].numpy()
    # pixel noise: no two equal values (the order of equal values in top-k is unspecified)
    heat += rng.rand(*heat.shape).astype(np.float32) * 1e-3
    tag = rng.randn(num_joints, height, width, num_tags).astype(np.float32) * 2
    yy, xx = np.mgrid[0:height, 0:width]
    for p in range(people):
        person_tag = rng.randn(num_tags) * 3
        cy, cx = rng.rand(2) * (height, width)
        for j in range(num_joints):
            if rng.rand() < 0.2:
                continue
            y0, x0 = cy + rng.randn() * 6, cx + rng.randn() * 6
            blob = np.exp(-((yy - y0) ** 2 + (xx - x0) ** 2) / 8.0) * (0.3 + rng.rand() * 0.7)
            near = blob > 1e-3
            heat[j] = np.maximum(heat[j], blob)
            if tag_levels is None:
                tag[j][near] = person_tag + rng.randn(near.sum(), num_tags) * 0.2
            else:
                tag[j][near] = rng.choice(tag_levels)
    if heat_step:
        heat = np.round(heat / heat_step) * heat_step
    return heat.astype(np.float32), tag


@pytest.mark.parametrize('seed, num_joints, size, num_tags, people, background, exact_levels', [
    (0, 17, (64, 80), 1, 6, 0.1, False),  # > 30 people: only the first 30 groups are matchable
    (1, 17, (50, 37), 2, 5, 0.0, False),  # not multiples of the tile size, flip-style tags
    (7, 14, (48, 64), 1, 8, 0.0, False),  # CrowdPose: 14 joints, its visiting order
    (3, 17, (40, 56), 1, 8, 0.0, True),  # exact tag-key collisions
    (4, 17, (72, 88), 2, 12, 0.0, False),
])
def test_random_maps_equal_the_full_map_reference(seed, num_joints, size, num_tags, people,
                                                  background, exact_levels):
    rng = np.random.RandomState(seed)
    levels = [-1.5, 0.0, 0.5, 2.0] if exact_levels else None
    det, tag = _random_maps(rng, num_joints, *size, num_tags, people, background, levels)
    order = COCO_JOINT_ORDER if num_joints == 17 else CROWDPOSE_JOINT_ORDER
    for adjust, refine in MODES.values():
        poses, scores = group_keypoints(det, tag, adjust=adjust, refine=refine)
        expected, expected_scores = _reference_parse(det, tag, adjust, refine, order)
        assert len(expected) > 0
        _assert_same_people(poses, scores, expected, expected_scores)


@pytest.mark.parametrize('seed, num_joints, size, num_tags, people', [
    (5, 17, (64, 80), 1, 8), (6, 14, (50, 37), 2, 6)])
def test_flat_topped_maps_equal_the_full_map_reference(seed, num_joints, size, num_tags, people):
    # equal candidates in the top-k order of torch.topk, equal neighbours in adjust, equal refine
    # scores on plateaus
    det, tag = _random_maps(np.random.RandomState(seed), num_joints, *size, num_tags, people, 0.0,
                            heat_step=1 / 16)
    order = COCO_JOINT_ORDER if num_joints == 17 else CROWDPOSE_JOINT_ORDER
    for adjust, refine in MODES.values():
        poses, scores = group_keypoints(det, tag, adjust=adjust, refine=refine)
        expected, expected_scores = _reference_parse(det, tag, adjust, refine, order)
        assert len(expected) > 0
        _assert_same_people(poses, scores, expected, expected_scores)


def test_read_only_and_strided_numpy_inputs():
    cases = _parse_cases()
    det, tag = cases['three_people_nonsquare__det'][0], cases['three_people_nonsquare__tag'][0]
    expected = group_keypoints(det, tag)
    det_view = det[:, ::-1].copy()[:, ::-1]  # negative strides, same values
    assert det_view.strides[1] < 0
    det_view.flags.writeable = False
    for ours, theirs in zip(group_keypoints(det_view, tag), expected):
        np.testing.assert_array_equal(ours, theirs)


def test_crowdpose_visiting_order_is_the_default_for_14_joints():
    # the seed-7 case of the reference test above depends on the visiting order
    det, tag = _random_maps(np.random.RandomState(7), 14, 48, 64, 1, 8, 0.0)
    default, _ = group_keypoints(det, tag)
    explicit, _ = group_keypoints(det, tag, joint_order=CROWDPOSE_JOINT_ORDER)
    in_index_order, _ = group_keypoints(det, tag, joint_order=range(14))
    np.testing.assert_array_equal(default, explicit)
    assert default.shape != in_index_order.shape or not np.array_equal(default, in_index_order)

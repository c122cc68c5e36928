"""AssociativeEmbeddingLoss on hand-made tags: the formulas, the 0- and 1-person cases, 'max'."""
import math

import pytest
import torch

from higherhrnet.model_def.losses import AssociativeEmbeddingLoss


def people(*rows, max_people=4, joints=3):
    """joint_indices [1, max_people, joints, 2] with the given rows of flat tag indices (visible)."""
    indices = torch.zeros(1, max_people, joints, 2, dtype=torch.long)
    for p, row in enumerate(rows):
        for n, index in enumerate(row):
            indices[0, p, n] = torch.tensor([index, 1])
    return indices


def tags_with(values):
    """One image's tag maps [1, 1, 1, len(values)]: flat index i holds values[i]."""
    return torch.tensor(values, dtype=torch.float64).view(1, 1, 1, -1)


def test_formulas_for_two_people():
    # person A: tags 1, 3 (mean 2, pull 1); person B: tag 5 (mean 5, pull 0)
    tags = tags_with([1.0, 3.0, 5.0, 9.0])
    push, pull = AssociativeEmbeddingLoss('exp')(tags, people([0, 1], [2]))
    torch.testing.assert_close(pull, torch.tensor([0.5], dtype=torch.float64))
    torch.testing.assert_close(push, torch.tensor([0.5 * math.exp(-9.0)], dtype=torch.float64))
    push, _ = AssociativeEmbeddingLoss('max')(tags_with([1.0, 1.0, 1.5, 0.0]), people([0, 1], [2]))
    torch.testing.assert_close(push, torch.tensor([0.25], dtype=torch.float64))


def test_rows_without_visible_joints_are_skipped_and_flags_decide():
    tags = tags_with([1.0, 3.0, 5.0, 100.0])
    indices = people([0, 1], [], [2])
    indices[0, 0, 2] = torch.tensor([3, 0])  # an index with flag 0 is ignored
    push, pull = AssociativeEmbeddingLoss()(tags, indices)
    torch.testing.assert_close(pull, torch.tensor([0.5], dtype=torch.float64))
    torch.testing.assert_close(push, torch.tensor([0.5 * math.exp(-9.0)], dtype=torch.float64))


def test_no_person_and_one_person_give_zero_push_and_finite_gradients():
    tags = tags_with([1.0, 3.0, 5.0]).repeat(2, 1, 1, 1).requires_grad_()
    indices = torch.cat([people(), people([0, 1])])
    push, pull = AssociativeEmbeddingLoss()(tags, indices)
    assert push.tolist() == [0.0, 0.0] and pull.tolist() == [0.0, 1.0]
    (push.sum() + pull.sum()).backward()
    assert torch.isfinite(tags.grad).all() and tags.grad[0].abs().sum() == 0


def test_gradient_flows_through_the_mean_tags():
    tags = tags_with([0.0, 0.5, 1.0]).requires_grad_()
    push, _ = AssociativeEmbeddingLoss()(tags, people([0, 1], [2]))
    push.sum().backward()
    # pushing the two means apart: the joints of person A move down, person B up
    assert tags.grad[0, 0, 0, 0] > 0 and tags.grad[0, 0, 0, 1] > 0 and tags.grad[0, 0, 0, 2] < 0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='loss_type'):
        AssociativeEmbeddingLoss('mean')
    with pytest.raises(ValueError, match='do not fit'):
        AssociativeEmbeddingLoss()(torch.zeros(2, 1, 1, 4), people([0]))

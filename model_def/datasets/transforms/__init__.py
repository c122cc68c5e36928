"""Training and test transforms of the bottom-up datasets, registered in ``registry.TRANSFORMS``.

Training pipeline (official order): LoadImage, BottomUpRandomAffine, BottomUpRandomFlip,
GenerateBottomUpTargets, PackBottomUpInputs. Test pipeline: LoadImage, PackBottomUpInputs.
"""
from .errors import UnusableSampleError
from .formatting import PackBottomUpInputs
from .loading import LoadImage
from .random_affine import BottomUpRandomAffine
from .random_flip import BottomUpRandomFlip
from .targets import GenerateBottomUpTargets

__all__ = ['UnusableSampleError', 'LoadImage', 'BottomUpRandomAffine', 'BottomUpRandomFlip',
           'GenerateBottomUpTargets', 'PackBottomUpInputs']

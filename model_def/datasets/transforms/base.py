"""The transform interface: a callable from a results dict to a results dict."""
from abc import ABCMeta, abstractmethod


class BaseTransform(metaclass=ABCMeta):
    """Base of our data transforms, the interface of OpenMMLab's ``BaseTransform``.

    mmengine 0.10 has no transform base class of its own (it lives in mmcv, which this project
    does not depend on); mmengine's ``Compose`` only needs a callable, so this is all of it.
    """

    def __call__(self, results):
        return self.transform(results)

    @abstractmethod
    def transform(self, results):
        """Return the transformed ``results`` dict."""

    def __repr__(self):
        arguments = ', '.join(f'{key}={value!r}' for key, value in vars(self).items())
        return f'{type(self).__name__}({arguments})'

"""A trained C²AM model: foreground maps from c2am's library."""
from . import _core


class Model:
    """A model written by `c2am train` (model.safetensors or
    checkpoint.safetensors; the architecture is read from the file), in
    evaluation mode, on `device` ("cpu", "cuda" or "cuda:N").

    Raises c2am.Error naming the file when it is missing, damaged, or not a
    c2am model file.
    """

    def __init__(self, path, device="cpu"):
        self._model = _core.Model(str(path), str(device))

    @classmethod
    def load(cls, path, device="cpu"):
        return cls(path, device)

    def maps(self, images):
        """Foreground maps of a batch.

        images: (N, 3, H, W) float32, RGB normalized with the ImageNet mean and
            std (torch tensor on any device, or NumPy array).
        Returns (N, 1, H / s, W / s) float32 in [0, 1], the sigmoid map with the
        training run's orientation applied (s: the backbone's output stride,
        16 for the release's ResNet-50), on the model's device, as a torch
        tensor for torch input (through DLPack) or a NumPy array.
        """
        return self._model.maps(images)

    def activation_map(self, image, input_size=448):
        """The map of one picture at its own size, as `c2am maps` writes it.

        image: (H, W, 3) uint8 RGB (NumPy array or torch tensor). The picture is resized to input_size²,
        normalized, mapped, and the map upsampled bilinearly back to H x W.
        Returns (H, W) float32 in [0, 1].
        """
        if hasattr(image, "detach") and hasattr(image, "cpu"):  # a torch tensor
            image = image.detach().cpu().numpy()
        return self._model.activation_map(image, int(input_size))

    @property
    def device(self):
        return self._model.device

    @property
    def flipped(self):
        """Whether training's orientation check inverted the map (1 - P is used)."""
        return self._model.flipped

    @property
    def depth(self):
        return self._model.depth

    @property
    def base_width(self):
        return self._model.base_width

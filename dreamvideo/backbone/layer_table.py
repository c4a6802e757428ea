"""Each registered backbone's layers and their channel counts, known without building the
network (no TensorFlow): a preset's layers and channels are checked against them before any work
starts (:mod:`dreamvideo.components.inputs`). ``tests/test_layer_table.py`` checks them against the real
networks.

Keras names some of Inception's layers by a process-wide counter (``conv2d_93``, ``activation_5``
...: the numbers depend on what was built before), so only its named layers (``mixed0`` ...) are
listed; a counter-named layer is checked when the network is built.
"""

from __future__ import annotations

import difflib
import re

VGG16_HED = {
    "block1_conv1": 64, "block1_conv2": 64, "block1_pool": 64, "block2_conv1": 128,
    "block2_conv2": 128, "block2_pool": 128, "block3_conv1": 256, "block3_conv2": 256,
    "block3_conv3": 256, "block3_pool": 256, "block4_conv1": 512, "block4_conv2": 512,
    "block4_conv3": 512, "block4_pool": 512, "block5_conv1": 512, "block5_conv2": 512,
    "block5_conv3": 512,
}
VGG16 = {
    **{name: channels for name, channels in VGG16_HED.items()}, "block5_pool": 512,
    "pool_7x7": 512, "flatten": 25088, "fc1": 4096, "fc2": 4096, "predictions": 1000,
}
VGG19 = {
    "block1_conv1": 64, "block1_conv2": 64, "block1_pool": 64, "block2_conv1": 128,
    "block2_conv2": 128, "block2_pool": 128, "block3_conv1": 256, "block3_conv2": 256,
    "block3_conv3": 256, "block3_conv4": 256, "block3_pool": 256, "block4_conv1": 512,
    "block4_conv2": 512, "block4_conv3": 512, "block4_conv4": 512, "block4_pool": 512,
    "block5_conv1": 512, "block5_conv2": 512, "block5_conv3": 512, "block5_conv4": 512,
    "block5_pool": 512, "pool_7x7": 512, "flatten": 25088, "fc1": 4096, "fc2": 4096,
    "predictions": 1000,
}
INCEPTION_V3 = {
    "mixed0": 256, "mixed1": 288, "mixed2": 288, "mixed3": 768,
    "mixed4": 768, "mixed5": 768, "mixed6": 768, "mixed7": 768,
    "mixed8": 1280, "mixed9_0": 768, "mixed9": 2048, "mixed9_1": 768,
    "mixed10": 2048, "avg_pool": 2048, "predictions": 1000,
}
LAYERS: dict[str, dict[str, int]] = {"vgg16-hed": VGG16_HED, "vgg16": VGG16, "vgg19": VGG19,
                                     "inception_v3": INCEPTION_V3}
CLASSES = {"vgg16": 1000, "vgg19": 1000, "inception_v3": 1000}  # backbones with an ImageNet classifier
COUNTER_NAMED = re.compile(r"^(conv2d|batch_normalization|activation|max_pooling2d|average_pooling2d"
                           r"|concatenate)(_\d+)?$")


def layer_problems(preset) -> list[str]:
    """``key: problem`` for each layer, channel or class the preset names that its backbone
    (``model.backbone``) does not have, in preset order."""
    backbone = preset.model.backbone
    problems: list[str] = []
    if backbone not in LAYERS:  # no table: checked when the network is built
        return problems
    if preset.effect == "style":
        if preset.style.method == "optimize":
            for number, name in enumerate(preset.style.content_layers):
                problems += _unknown(backbone, name, f"style.content_layers[{number}]")
            for number, item in enumerate(preset.style.style_layers):
                name = item if isinstance(item, str) else item.layer
                key = f"style.style_layers[{number}]" + ("" if isinstance(item, str) else ".layer")
                problems += _unknown(backbone, name, key)
        return problems
    for number, term in enumerate(preset.dream.objective):
        problems += term_problems(backbone, term, f"dream.objective[{number}]")
    return problems


def term_problems(backbone: str, term, key: str) -> list[str]:
    """Problems of one ``dream.objective`` term: its layer, channel or class index."""
    if term.class_index is not None:
        classes = CLASSES.get(backbone)
        if classes is None:
            return [f"{key}.class_index: backbone {backbone} has no classifier; use model.backbone "
                    f"{' or '.join(CLASSES)}"]
        if term.class_index >= classes:
            return [f"{key}.class_index: {backbone} has {classes} classes (0-{classes - 1}), "
                    f"got {term.class_index}"]
        return []
    unknown = _unknown(backbone, term.layer, f"{key}.layer")
    channels = LAYERS[backbone].get(term.layer)
    picked, field = ((term.channel, "channel") if term.channel is not None else
                     (term.neuron.channel, "neuron.channel") if term.neuron is not None else (None, ""))
    if unknown or channels is None or picked is None or picked < channels:
        return unknown
    return [f"{key}.{field}: layer {term.layer} has {channels} channels (0-{channels - 1}), got {picked}"]


def _unknown(backbone: str, name: str, key: str) -> list[str]:
    table = LAYERS[backbone]
    if name in table or (backbone == "inception_v3" and COUNTER_NAMED.match(name)):
        return []
    close = difflib.get_close_matches(name, list(table), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else " (see `dreamvideo inspect layers`)"
    return [f"{key}: unknown layer '{name}' for backbone {backbone}{hint}"]

#!/usr/bin/env python3
"""Test images for engine/vision and the outputs PIL and Hugging Face's image processors give.

Writes tests/data/images/: small PNG and JPEG files in every mode the decoder converts (RGB,
RGBA, greyscale, 1-bit, palette, grey+alpha, 16-bit, Adam7-interlaced; JPEG 4:2:0, 4:4:4,
progressive, greyscale, CMYK); for each one <name>.rgb.npy.gz (uint8 HxWx3, PIL's
Image.open(p).convert("RGB")); for a few <name>.<processor>.npy.gz (float32 3xHxW
pixel_values); and the bad inputs the decoder must refuse. The arrays are .npy files gzipped
with no timestamp, so reruns give the same bytes: np.load(gzip.open(path)).

The preprocessing reference restates transformers' CLIPImageProcessor / SiglipImageProcessor
(image_transforms.py: resize through PIL.Image.resize with BICUBIC, center_crop, rescale in
float64 then float32, normalize in float32) with NumPy and PIL only, so transformers need not be
installed. Run: /usr/bin/python3 tools/make_image_fixtures.py (python3-pil 9.4, python3-numpy).
"""
import gzip
import io
import math
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "images")
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def picture(w, h, seed):
    """Gradients, a disc, stripes and noise: detail for the resampler, compressible for git."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = 128 + 127 * np.sin(x / 3.0) * np.cos(y / 5.0)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.3) ** 2
    img = np.stack([r, g, b], axis=-1)
    img[disc] = [250, 30, 60]
    img[(x.astype(int) // 4) % 7 == 0] = [10, 10, 10]
    img += rng.normal(0, 4, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_bytes(w, h, depth, color_type, rows, plte=None, interlaced=False):
    """A PNG written by hand, for layouts PIL cannot save (16-bit colour, out-of-range indices,
    Adam7 interlacing; `rows` are then the passes' rows, from adam7())."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlaced else 0)
    body = chunk(b"IHDR", ihdr) + (chunk(b"PLTE", plte) if plte else b"")
    data = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b"")


def adam7(pixels):
    """The rows of the seven Adam7 passes of an HxWxC uint8 array (empty passes have none)."""
    rows = []
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            rows += [r.tobytes() for r in sub]
    return rows


def images():
    """name -> file bytes."""
    files = {}

    def save(name, im, **kw):
        buf = io.BytesIO()
        im.save(buf, format="PNG" if name.endswith(".png") else "JPEG", **kw)
        files[name] = buf.getvalue()

    save("rgb_37x23.png", Image.fromarray(picture(37, 23, 2)))
    alpha = Image.fromarray(np.random.default_rng(3).integers(0, 256, (23, 37), dtype=np.uint8))
    rgba = Image.fromarray(picture(37, 23, 4)).convert("RGBA")
    rgba.putalpha(alpha)
    save("rgba_37x23.png", rgba)
    save("grey_23x37.png", Image.fromarray(picture(23, 37, 5)).convert("L"))
    save("bw_37x23.png", Image.fromarray(picture(37, 23, 6)).convert("1"))
    save("palette_37x23.png", Image.fromarray(picture(37, 23, 7)).convert("P", palette=Image.ADAPTIVE, colors=16))
    la = Image.fromarray(picture(15, 15, 8)).convert("LA")
    save("greyalpha_15x15.png", la)
    rng = np.random.default_rng(9)
    grey16 = rng.integers(0, 600, (9, 11)).astype(">u2")  # PIL clips 16-bit grey at 255
    files["grey16_11x9.png"] = png_bytes(11, 9, 16, 0, [r.tobytes() for r in grey16])
    rgb16 = rng.integers(0, 65536, (9, 11, 3)).astype(">u2")
    files["rgb16_11x9.png"] = png_bytes(11, 9, 16, 2, [r.tobytes() for r in rgb16])
    rgba16 = rng.integers(0, 65536, (9, 11, 4)).astype(">u2")
    files["rgba16_11x9.png"] = png_bytes(11, 9, 16, 6, [r.tobytes() for r in rgba16])
    files["interlaced_13x11.png"] = png_bytes(13, 11, 8, 2, adam7(picture(13, 11, 17)), interlaced=True)
    # Indices 2..255 have no PLTE entry: PIL shows them as a grey ramp.
    files["palette_short_5x3.png"] = png_bytes(5, 3, 8, 3, [bytes([0, 1, 2, 7, 200])] * 3,
                                               plte=bytes([10, 20, 30, 40, 50, 60]))
    save("rgb420_37x23.jpg", Image.fromarray(picture(37, 23, 10)), quality=90)
    # Larger than every processor's size, so the resize shrinks (PIL's antialiased path).
    save("photo_480x360.jpg", Image.fromarray(picture(480, 360, 16)), quality=90)
    save("rgb444_37x23.jpg", Image.fromarray(picture(37, 23, 11)), quality=95, subsampling=0)
    save("progressive_61x45.jpg", Image.fromarray(picture(61, 45, 12)), quality=85, progressive=True)
    save("grey_45x61.jpg", Image.fromarray(picture(45, 61, 13)).convert("L"), quality=90)
    save("cmyk_37x23.jpg", Image.fromarray(picture(37, 23, 14)).convert("CMYK"), quality=95)
    save("rgb_15x15.jpg", Image.fromarray(picture(15, 15, 15)), quality=90)
    return files


def bad_inputs(files):
    bad = {"not_an_image.png": b"GIF89a is not what this file is\n"}
    bad["truncated.png"] = files["rgb_37x23.png"][: len(files["rgb_37x23.png"]) // 2]
    bad["truncated.jpg"] = files["photo_480x360.jpg"][: len(files["photo_480x360.jpg"]) // 2]
    bad["zero_size.png"] = png_bytes(0, 0, 8, 2, [])
    # The header claims 20000x20000 RGB; no pixel data follows, and none may be allocated.
    bad["huge_20000x20000.png"] = png_bytes(20000, 20000, 8, 2, [])
    # A real JPEG whose frame header is rewritten to 20000x20000, cut after the scan header.
    jpeg = bytearray(files["rgb_15x15.jpg"])
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", 20000, 20000)
    sos = jpeg.index(b"\xff\xda")
    bad["huge_20000x20000.jpg"] = bytes(jpeg[:sos + 2 + struct.unpack(">H", jpeg[sos + 2:sos + 4])[0] + 16])
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", 0, 15)  # no rows: a DNL marker would give the height
    bad["zero_height.jpg"] = bytes(jpeg)
    return bad


def pil_resize(img, height, width):
    """image_transforms.resize: a uint8 array through PIL.Image.resize with BICUBIC."""
    return np.array(Image.fromarray(img).resize((width, height), resample=Image.BICUBIC))


def clip_size(h, w, shortest):
    """get_resize_output_image_size(default_to_square=False) -> (height, width)."""
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(shortest * long / short)
    return (new_long, shortest) if w <= h else (shortest, new_long)


def center_crop(img, ch, cw):
    """image_transforms.center_crop on HWC, zero padding where the image is smaller."""
    h, w = img.shape[:2]
    top, left = (h - ch) // 2, (w - cw) // 2
    if top >= 0 and left >= 0 and top + ch <= h and left + cw <= w:
        return img[top:top + ch, left:left + cw]
    nh, nw = max(ch, h), max(cw, w)
    padded = np.zeros((nh, nw, 3), dtype=img.dtype)
    tp, lp = math.ceil((nh - h) / 2), math.ceil((nw - w) / 2)
    padded[tp:tp + h, lp:lp + w] = img
    top, left = top + tp, left + lp
    return padded[max(0, top):min(nh, top + ch), max(0, left):min(nw, left + cw)]


def rescale_normalize(img, mean, std):
    """image_transforms.rescale (float64 product cast to float32) then normalize (float32)."""
    x = (img.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)).astype(np.float32)


def clip(img, shortest, crop):
    h, w = clip_size(img.shape[0], img.shape[1], shortest)
    return rescale_normalize(center_crop(pil_resize(img, h, w), crop, crop), CLIP_MEAN, CLIP_STD)


def siglip(img, side):
    return rescale_normalize(pil_resize(img, side, side), [0.5] * 3, [0.5] * 3)


# (image, processor name, function): CLIP 336/336 and 224/224, SigLIP 384x384.
# The photo shrinks for CLIP (the antialiased path); the small images are enlarged.
PROCESSED = [
    ("photo_480x360.jpg", "clip336", lambda a: clip(a, 336, 336)),
    ("photo_480x360.jpg", "clip224", lambda a: clip(a, 224, 224)),
    ("rgba_37x23.png", "siglip384", lambda a: siglip(a, 384)),
    ("rgb_15x15.jpg", "clip224", lambda a: clip(a, 224, 224)),
]
# Decoded references are kept for the small files only; the photo is checked through its pixel values.
NO_RGB_REFERENCE = {"photo_480x360.jpg"}


def main():
    os.makedirs(OUT, exist_ok=True)
    files = images()
    for name, data in {**files, **bad_inputs(files)}.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    decoded = {}
    for name in files:
        decoded[name] = np.array(Image.open(os.path.join(OUT, name)).convert("RGB"))
        if name not in NO_RGB_REFERENCE:
            save_npy_gz(name + ".rgb.npy.gz", decoded[name])
    for name, processor, fn in PROCESSED:
        save_npy_gz(f"{name}.{processor}.npy.gz", fn(decoded[name]))


def save_npy_gz(name, array):
    buf = io.BytesIO()
    np.save(buf, array)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(gzip.compress(buf.getvalue(), compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()

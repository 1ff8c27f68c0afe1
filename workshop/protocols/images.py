"""A protocol photo, checked and re-encoded — in a worker process (workshop/jobs).

Decoding a 38-megapixel JPEG and re-encoding it takes about a second of CPU; on the event loop
that froze every room of the process for each upload. The web process hands the bytes over and
stores what comes back.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from workshop import jobs
from workshop.i18n import N_
from workshop.protocols.errors import ProtocolError

MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; larger is refused before decoding
MAX_SIDE = 2400  # re-encoded photos are at most this wide or high: enough to read a flipchart
FORMATS = {"JPEG": ("image/jpeg", {"jpg", "jpeg"}), "PNG": ("image/png", {"png"})}
CHECK_SECONDS = 30.0


@jobs.task(seconds=CHECK_SECONDS, memory_mb=1536, refusals=(ProtocolError,))
def check_image(filename: str, data: bytes) -> tuple[bytes, str, int, int]:
    """The upload's content decides: it must decode as a JPEG or PNG whose name says the same.
    Returns the re-encoded image (no metadata such as GPS, upright, at most MAX_SIDE), its
    mimetype and size."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ProtocolError(
            N_("Die Datei ist zu groß (%(size)s MB); erlaubt sind höchstens %(max)s MB."),
            size=f"{len(data) / 1024 / 1024:.1f}",
            max=MAX_ATTACHMENT_BYTES // 1024 // 1024,
        )
    if not data:
        raise ProtocolError(N_("Die Datei ist leer."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ProtocolError(
                    N_("Das Bild ist zu groß (%(width)s × %(height)s Pixel)."), width=image.width, height=image.height
                )
            image.load()
    except ProtocolError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ProtocolError(N_("„%(name)s“ ist kein lesbares Bild (erlaubt: JPEG, PNG)."), name=filename) from error
    if image.format not in FORMATS:
        raise ProtocolError(
            N_("„%(name)s“ ist ein %(format)s-Bild; erlaubt sind JPEG und PNG."),
            name=filename,
            format=image.format or "?",
        )
    mimetype, extensions = FORMATS[image.format]
    if extension not in extensions:
        raise ProtocolError(
            N_("„%(name)s“ ist ein %(format)s-Bild, die Endung passt nicht dazu (erwartet: %(expected)s)."),
            name=filename,
            format=image.format,
            expected=", ".join(sorted(extensions)),
        )
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if mimetype == "image/jpeg":
        upright.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        upright.save(out, "PNG", optimize=True)
    return out.getvalue(), mimetype, upright.width, upright.height

#!/usr/bin/python3
"""Reference decoding and test variants of DICOM WSI instances, with pydicom and Pillow (Debian's
python3-pydicom and python3-pil, which link libjpeg-turbo and OpenJPEG): nothing here shares code with
Tessera's reader.

  dicom_reference.py frames OUT_DIR FILE=I,J,... [FILE=I,J,... ...]
      Frames I, J... (0-based) of each FILE: pydicom splits the pixel data into frames, Pillow decodes each
      (as the JPEG stream says its colours are; uncompressed frames as pydicom's pixel_array gives them).
      Writes OUT_DIR/<n>-frame-I.rgb (packed RGB; n counts the FILEs) and prints
      [{"file", "frame", "width", "height", "path"}] as JSON.

  dicom_reference.py variant FILE OUT_FILE KIND [FILE OUT_FILE KIND ...]
      Each FILE rewritten by pydicom with the same pixels stored another way:
        bot     the same JPEG frames with a Basic Offset Table
        eot     the same JPEG frames with an Extended Offset Table (7FE0,0001/0002) and an empty BOT
        native  the frames as Pillow decodes them, uncompressed (Explicit VR Little Endian, RGB)
        implicit  the same, in Implicit VR Little Endian
        j2k     the frames as Pillow decodes them, re-encoded as lossless JPEG 2000 (no colour transform)
        sparse  TILED_SPARSE: the same JPEG frames in reverse order with their positions in the Per-Frame
                Functional Groups, the first frame (top-left tile) left out and the last frame (in file
                order: frame 1, the second tile) placed 7 px off the tile grid
        ybr     the same JPEG frames said to be YBR_FULL_422 (as most scanners write them)
        label, overview
                the same image as another instance of the slide with Image Type LABEL or OVERVIEW
        concat  the same JPEG frames split in two instances of one concatenation: OUT_FILE holds the
                second half (written first, so that file order is not frame order), OUT_FILE-1.dcm the first
"""
import io
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, encapsulate_extended, generate_pixel_data_frame
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000Lossless, generate_uid
from PIL import Image


def stored_frames(ds):
    return list(generate_pixel_data_frame(ds.PixelData, int(ds.NumberOfFrames)))


def decode(frame_bytes):
    with Image.open(io.BytesIO(frame_bytes)) as im:
        return np.asarray(im.convert('RGB'))


def decoded_frames(ds):
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        return [decode(f) for f in stored_frames(ds)]
    arr = ds.pixel_array
    return list(arr.reshape((-1,) + arr.shape[-3:]))


def frames_command(out_dir, specs):
    out = []
    for n, spec in enumerate(specs):
        path, wanted = spec.rsplit('=', 1)
        frames = decoded_frames(pydicom.dcmread(path))
        for i in [int(x) for x in wanted.split(',')]:
            rgb = np.ascontiguousarray(frames[i], dtype=np.uint8)
            target = os.path.join(out_dir, f'{n}-frame-{i}.rgb')
            with open(target, 'wb') as f:
                f.write(rgb.tobytes())
            out.append({'file': path, 'frame': i, 'width': int(rgb.shape[1]), 'height': int(rgb.shape[0]), 'path': target})
    print(json.dumps(out))


def variant_command(path, out_path, kind):
    ds = pydicom.dcmread(path)
    if kind == 'bot':
        ds.PixelData = encapsulate(stored_frames(ds), has_bot=True)
    elif kind == 'eot':
        data, offsets, lengths = encapsulate_extended(stored_frames(ds))
        ds.PixelData = data
        ds.ExtendedOffsetTable = offsets
        ds.ExtendedOffsetTableLengths = lengths
    elif kind in ('native', 'implicit'):
        pixels = np.stack(decoded_frames(ds)).astype(np.uint8)
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if kind == 'implicit' else ExplicitVRLittleEndian
        ds.is_implicit_VR = kind == 'implicit'
        ds.is_little_endian = True
        ds.PixelData = pixels.tobytes()
        ds['PixelData'].VR = 'OB'
        ds['PixelData'].is_undefined_length = False
        ds.PhotometricInterpretation = 'RGB'
        ds.PlanarConfiguration = 0
    elif kind == 'j2k':
        encoded = []
        for rgb in decoded_frames(ds):
            buf = io.BytesIO()
            Image.fromarray(rgb).save(buf, format='JPEG2000', no_jp2=True, irreversible=False, mct=0)
            encoded.append(buf.getvalue())
        ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
        ds.PixelData = encapsulate(encoded, has_bot=False)
        ds.PhotometricInterpretation = 'RGB'
    elif kind == 'sparse':
        frames = stored_frames(ds)
        across = -(-int(ds.TotalPixelMatrixColumns) // int(ds.Columns))
        order = list(range(len(frames)))[::-1][:-1]  # reversed, without frame 0
        groups = []
        for i in order:
            pos = Dataset()
            pos.ColumnPositionInTotalImagePixelMatrix = (i % across) * int(ds.Columns) + 1 + (7 if i == 1 else 0)
            pos.RowPositionInTotalImagePixelMatrix = (i // across) * int(ds.Rows) + 1
            pos.XOffsetInSlideCoordinateSystem = 0
            pos.YOffsetInSlideCoordinateSystem = 0
            pos.ZOffsetInSlideCoordinateSystem = 0
            item = Dataset()
            item.PlanePositionSlideSequence = Sequence([pos])
            groups.append(item)
        ds.PerFrameFunctionalGroupsSequence = Sequence(groups)
        ds.DimensionOrganizationType = 'TILED_SPARSE'
        ds.NumberOfFrames = len(order)
        ds.PixelData = encapsulate([frames[i] for i in order], has_bot=False)
    elif kind == 'concat':
        frames = stored_frames(ds)
        half = len(frames) // 2
        uid = generate_uid()
        source = ds.SOPInstanceUID
        for part, (start, stop, target) in enumerate([(half, len(frames), out_path), (0, half, out_path[:-4] + '-1.dcm')]):
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.ConcatenationUID = uid
            ds.SOPInstanceUIDOfConcatenationSource = source
            ds.ConcatenationFrameOffsetNumber = start
            ds.InConcatenationNumber = 2 - part
            ds.InConcatenationTotalNumber = 2
            ds.NumberOfFrames = stop - start
            ds.PixelData = encapsulate(frames[start:stop], has_bot=False)
            ds.save_as(target, write_like_original=False)
        return
    elif kind == 'ybr':
        ds.PhotometricInterpretation = 'YBR_FULL_422'
    elif kind in ('label', 'overview'):
        ds.ImageType = ['ORIGINAL', 'PRIMARY', kind.upper(), 'NONE']
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    else:
        raise SystemExit(f'unknown variant {kind}')
    ds.save_as(out_path, write_like_original=False)


def main(argv):
    if len(argv) >= 3 and argv[0] == 'frames':
        frames_command(argv[1], argv[2:])
    elif len(argv) >= 4 and len(argv) % 3 == 1 and argv[0] == 'variant':
        for i in range(1, len(argv), 3):
            variant_command(argv[i], argv[i + 1], argv[i + 2])
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])

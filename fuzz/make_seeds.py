#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/: small valid inputs of each format (and a
few near misses) for libFuzzer to mutate. Standard library only; rerun to regenerate."""
import gzip
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    folder = root / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes), laid out in order."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + blob


write("fuzz_safetensors", "one_f32", safetensors({"w": ("F32", [2, 3], struct.pack("<6f", *range(6)))}))
write("fuzz_safetensors", "mixed", safetensors({
    "a": ("F64", [2], struct.pack("<2d", 1.5, -2.0)),
    "step": ("I64", [], struct.pack("<q", 7)),
    "empty": ("F32", [0, 4], b""),
}, metadata={"format": "pt"}))
write("fuzz_safetensors", "empty_header", safetensors({}))

def idx(dims, payload):
    return bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload

images = idx([2, 3, 3], bytes(range(18)))
labels = idx([2], bytes([1, 9]))
# Mode byte first (fuzz_idx.cpp): 0 parse, 1 images+labels pair (two bytes give the images'
# length), 2 file.
write("fuzz_idx", "parse_images", b"\x00" + images)
write("fuzz_idx", "parse_labels", b"\x00" + labels)
write("fuzz_idx", "pair", b"\x01" + struct.pack(">H", len(images)) + images + labels)
write("fuzz_idx", "pair_fewer_labels", b"\x01" + struct.pack(">H", len(images)) + images + idx([1], b"\x03"))
write("fuzz_idx", "gzip_file", b"\x02" + gzip.compress(images))
write("fuzz_idx", "plain_file", b"\x02" + labels)
write("fuzz_idx", "int32_type", b"\x00" + bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 1) + b"\0\0\0\1")

write("fuzz_csv", "header", "x,y,target\n1,2,3\n4.5,-6e2,7\n")
write("fuzz_csv", "no_header", "1,2\n3,4\r\n\n5,6\n")
write("fuzz_csv", "quoted", '"a","b ""q"""\n " 1.0 ",2\n')
write("fuzz_csv", "bad_row", "a,b\n1\n")

"""Decoders: find keys hidden in encoded, packed and awkward content.

After the plain scan of a chunk, the engine (psguard.engine.nested) asks these
decoders for content that can hold an encoded key and scans what they decode,
recursively. One decoder a module, listed in order by `registry`:

- `b64`: base64 and base64url runs (padded or not, wrapped at a fixed width or
  not, and whole base64 files), with `base64_blocks` collecting the runs;
- `utf16`: UTF-16 text, little or big endian, with or without a byte-order mark;
- `archives`: zip-family archives (zip, jar, whl, …), gzip streams and tar archives;
- `json_escapes`: JSON string escapes (`\\u002d`, `\\/`): keys written by
  serializers that escape;
- `hexes`: hex-encoded keys;
- `escapes`: quoted-printable soft breaks, HTML/XML character references, `\\x` and
  octal byte escapes, percent-encoding of every byte.

`base` holds what they share: the `Decoded` record, `DecodeLimits` and the
`Budget`, offset maps and the decoder protocol. Decoders never import the engine.

Decoding must not slow the common case. Every decoder is gated by a few
`bytes.find` calls for byte strings that the encoded form of a rule prefix *must*
contain: base64 of `ps-` has only three possible alignments, whose fully
determined characters are `cHMt`, `BzL` and `wcy` (identical in the URL-safe
alphabet); UTF-16 of `ps-` always contains `p\\0s\\0-`; archives start with their
magic bytes. Text without any of these costs a handful of `find` calls.
"""

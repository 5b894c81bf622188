"""The query encoder: the bundled model, taught to read owners' situations like the documents.

The documents stay embedded by the untouched model; only the side that reads questions is
adapted. Each training example is a situation from the corpus and the KB's own vectors of a
concept that answers it (the concept's title and definition, or one of its passages), against
in-batch negatives and hard negatives mined from the KB: the concepts the untouched model
ranks highest for that situation although they do not answer it. Titles paired with their own
passages keep look-ups by name working. Because the documents' vectors do not move, the
adapted encoder needs no re-embedding of the KB, and a concept it never saw in training (a
new document) is still found wherever the untouched model would find it.

Only the top layers learn (`Settings.trained_layers`). The frozen lower layers read each text
once, before the first step, and every step runs the top layers alone: on two cores a full
fine-tune took 8 minutes, this about 2, and it scored as well on owners' situations (README).
What training changed is those layers, kept in half precision (7 MB): `ship` keeps them
beside the corpus, so that a fresh clone with the same corpus and catalog takes them instead
of training.

A model is saved under `<kb_dir>/models/<key>/`, keyed by the base model, the training items,
the catalog it was trained against and the settings: built once, rebuilt only when one of
them changes. Training is seeded and runs on a fixed number of threads, so it is repeatable.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kb import disk
from kb.embed import EMBEDDINGS, MODELS, Embedder, EmbeddingCache, model_key_of, model_name
from kb.learned import Item
from kb.model import RECOMMENDABLE, Chunk, Concept
from kb.text import sha256_text
from learn.corpus import digest


@dataclass(frozen=True)
class Settings:
    """How the query encoder is trained; part of the model's key."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 2e-4  # only the top layers move: of 5e-5, 2e-4, 5e-4, the best
    hard_negatives: int = 1  # per situation, drawn from the untouched model's top wrong ones
    negative_pool: int = 10  # how far down that ranking hard negatives are drawn from
    passage_targets: float = 0.5  # share of targets that are a passage rather than the concept
    title_pairs: int = 2  # passages per concept paired with its title (look-ups by name)
    # the model's own limit: an owner's paragraph tells its problem last, and a cut at 128
    # tokens trained on the setting alone (the corpus's forum posts run to 250 words)
    max_tokens: int = 256
    trained_layers: int = 2  # of MiniLM's six; the lower ones are frozen and run once per text
    seed: int = 13
    threads: int = 2  # fixed, so that sums run in the same order every time
    method: int = 5  # raise it when `train` changes, so no model trained the old way is reused


DEFAULT = Settings()


@dataclass(frozen=True)
class Target:
    """A vector the query encoder must come close to: a concept's, or one of its passages'."""

    kind: str  # "concept" or "chunk"
    row: int


Example = tuple[str, Target, tuple[Target, ...]]  # query text, target, hard negatives


def model_key(
    base: str,
    items: list[Item],
    concepts: list[Concept],
    settings: Settings = DEFAULT,
    hidden: frozenset[str] = frozenset(),
) -> str:
    """What the model depends on, hashed: the same inputs always name the same folder.

    The catalog counts by its titles, the answers the corpus may name, not by the concepts'
    text: the encoder reads questions into the untouched model's space, where an edited
    paragraph is re-embedded anyway, and retraining for each edit would cost minutes."""
    catalog = sorted(c.title for c in concepts if c.kind in RECOMMENDABLE and c.title not in hidden)
    parts = [base, digest(items), sha256_text("\n".join(catalog)), json.dumps(asdict(settings))]
    return "query-" + sha256_text("\n".join(parts))[:16]


def examples(
    items: list[Item],
    concepts: list[Concept],
    chunk_row: dict[str, int],
    base_queries: np.ndarray,
    concept_vectors: np.ndarray,
    settings: Settings,
    hidden: frozenset[str] = frozenset(),
) -> list[Example]:
    """Training examples: (situation, a target of an answer, hard negatives), then titles.

    `hidden` concepts take no part at all, not even as negatives: they stand for a document
    the encoder has never seen."""
    rng = random.Random(settings.seed)
    by_title = {c.title: i for i, c in enumerate(concepts)}
    allowed = np.array([c.kind in RECOMMENDABLE and c.title not in hidden for c in concepts])
    out: list[Example] = []
    for item, vector in zip(items, base_queries):
        gold = {by_title[t] for t in item.concepts + item.avoid}
        ranked = [int(i) for i in np.argsort(-(concept_vectors @ vector)) if allowed[i]]
        avoid = [by_title[t] for t in item.avoid if allowed[by_title[t]]]
        wrong = avoid + [i for i in ranked if i not in gold]
        pool = wrong[: settings.negative_pool]
        for title in item.concepts[:2]:
            negatives = rng.sample(pool, min(settings.hard_negatives, len(pool)))
            out.append(
                (
                    item.text,
                    target(concepts[by_title[title]], by_title[title], chunk_row, rng, settings),
                    tuple(target(concepts[n], n, chunk_row, rng, settings) for n in negatives),
                )
            )
    recommendable = [i for i, c in enumerate(concepts) if allowed[i]]
    for i in recommendable:
        others = [j for j in recommendable if concepts[j].title != concepts[i].title]
        for chunk_id in concepts[i].chunks[: settings.title_pairs]:
            if chunk_id in chunk_row and others:
                negatives = rng.sample(others, min(settings.hard_negatives, len(others)))
                out.append(
                    (
                        concepts[i].title,
                        Target("chunk", chunk_row[chunk_id]),
                        tuple(Target("concept", n) for n in negatives),
                    )
                )
    return out


def target(
    concept: Concept, row: int, chunk_row: dict[str, int], rng: random.Random, settings: Settings
) -> Target:
    """The concept's own vector, or (at the set share) one of its passages' vectors."""
    chunks = [chunk_row[c] for c in concept.chunks if c in chunk_row]
    if chunks and rng.random() < settings.passage_targets:
        return Target("chunk", rng.choice(chunks))
    return Target("concept", row)


def train(
    stack: Layers,
    states: dict,
    data: list[Example],
    concept_vectors: np.ndarray,
    chunk_vectors: np.ndarray,
    settings: Settings,
    progress: Callable[[str], None],
) -> None:
    """Train the top layers of `stack` in place, from each text's frozen `states`."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    loss = MultipleNegativesRankingLoss(stack.model)  # in-batch negatives, plus the hard ones
    optimizer = torch.optim.AdamW(stack.trained.parameters(), lr=settings.learning_rate)
    data = [e for e in data if len(e[2]) == settings.hard_negatives]  # equal widths per batch
    steps = max(1, len(data) // settings.batch_size) * settings.epochs
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: min(1.0, (i + 1) / warmup) * max(0.0, 1 - i / steps)
    )
    tables = {
        "concept": torch.from_numpy(concept_vectors),
        "chunk": torch.from_numpy(chunk_vectors),
    }
    rng = random.Random(settings.seed)
    stack.trained.train()
    for epoch in range(settings.epochs):
        for batch in length_batches(data, settings.batch_size, rng):
            queries = stack.upper([states[text] for text, _, _ in batch])
            columns = [[t for _, t, _ in batch]] + [
                [negs[n] for _, _, negs in batch] for n in range(settings.hard_negatives)
            ]
            docs = [torch.stack([tables[t.kind][t.row] for t in col]) for col in columns]
            value = loss.compute_loss_from_embeddings([queries, *docs], None)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            schedule.step()
        progress(f"training the query encoder: epoch {epoch + 1}/{settings.epochs} done")
    stack.trained.eval()


class Layers:
    """A sentence-transformers BERT model cut in two: frozen lower layers, trained top ones.

    The top layers are the model's own modules, so training them trains the model."""

    def __init__(self, model, trained: int):
        import torch

        self.model = model
        self.bert = model[0].auto_model
        layers = self.bert.encoder.layer
        self.frozen = layers[: len(layers) - trained]
        self.trained = torch.nn.ModuleList(layers[len(layers) - trained :])
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        for parameter in self.trained.parameters():
            parameter.requires_grad_(True)

    def to_half(self) -> None:
        """Round the trained layers to half precision, where they are kept: 7 MB for two
        layers instead of 14, so an encoder trained here and one shipped read alike."""
        for parameter in self.trained.parameters():
            parameter.data = parameter.data.half().float()

    def save(self, path: Path) -> None:
        """Write the trained layers alone, in half precision: all that training changed."""
        from safetensors.torch import save_file

        tmp = path.with_name(f".tmp-{path.name}")
        state = {k: v.half().contiguous() for k, v in self.trained.state_dict().items()}
        with disk.writing(path.parent, f"the trained layers {path.name}", leftover=tmp):
            save_file(state, str(tmp))
            os.replace(tmp, path)

    def load(self, path: Path) -> None:
        """Put trained layers written by `save` in place of the base model's own."""
        from safetensors.torch import load_file

        state = {k: v.float() for k, v in load_file(str(path)).items()}
        self.trained.load_state_dict(state)

    @classmethod
    def of(cls, base: Embedder, settings: Settings) -> Layers:
        """A fresh, seeded copy of the base model, cut as the settings say."""
        import torch
        from sentence_transformers import SentenceTransformer

        torch.manual_seed(settings.seed)
        model = SentenceTransformer(base.location, device="cpu")
        model.max_seq_length = settings.max_tokens  # training reads no further than this
        return cls(model, settings.trained_layers)

    def lower(self, texts: list[str], states: dict, batch_size: int = 64) -> None:
        """Add each new text's token states after the frozen layers (without padding) to
        `states`: computed once a text, however often training reads it."""
        import torch

        new = sorted(set(texts) - states.keys(), key=len)  # like lengths pad little
        self.bert.eval()
        with torch.no_grad():
            for start in range(0, len(new), batch_size):
                chunk = new[start : start + batch_size]
                features = self.model.preprocess(chunk)
                mask = features["attention_mask"]
                hidden = self.bert.embeddings(
                    input_ids=features["input_ids"], token_type_ids=features.get("token_type_ids")
                )
                hidden = self.run(self.frozen, hidden, mask)
                for text, row, length in zip(chunk, hidden, mask.sum(dim=1).tolist()):
                    states[text] = row[:length].clone()

    def encode(self, texts: list[str], states: dict, batch_size: int = 64) -> np.ndarray:
        """Sentence embeddings of texts (their states computed) as the model reads them now:
        no dropout, no gradients, in batches of like lengths."""
        import torch

        out = np.zeros((len(texts), self.bert.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(states[texts[i]]))
        self.trained.eval()
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                out[rows] = self.upper([states[texts[i]] for i in rows]).numpy()
        return out

    def upper(self, lower: list):
        """The sentence embeddings of texts from their frozen states, through the top layers,
        the model's pooling and normalisation."""
        import torch

        states = torch.nn.utils.rnn.pad_sequence(lower, batch_first=True)
        mask = torch.zeros(states.shape[:2], dtype=torch.long)
        for i, row in enumerate(lower):
            mask[i, : len(row)] = 1
        features = {
            "token_embeddings": self.run(self.trained, states, mask),
            "attention_mask": mask,
        }
        for module in list(self.model)[1:]:  # pooling, normalisation: as the model reads
            features = module(features)
        return features["sentence_embedding"]

    def run(self, layers, states, mask):
        """Token states through `layers`, with the mask the model itself would build."""
        from transformers.masking_utils import create_bidirectional_mask

        attention = create_bidirectional_mask(
            config=self.bert.config, inputs_embeds=states, attention_mask=mask
        )
        for layer in layers:
            states = layer(states, attention)
        return states


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Torch on a fixed number of threads, so that sums run in the same order every time."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


WINDOW_BATCHES = 8  # texts are sorted by length within windows of this many batches


def length_batches(data: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Full batches of texts of about the same length, in random order, no text twice in one.

    A batch is padded to its longest text: random batches of situations came to twice the
    tokens they hold, and training took twice as long. A text that is already in the batch
    (a situation with two answers, a title with two passages) waits for the next one, since
    in-batch negatives would push it away from its own other answer."""
    shuffled = rng.sample(range(len(data)), len(data))
    window = size * WINDOW_BATCHES
    order = [
        i
        for start in range(0, len(shuffled), window)
        for i in sorted(shuffled[start : start + window], key=lambda i: len(data[i][0]))
    ]
    batches, batch, texts, waiting = [], [], set(), []
    for i in order:
        queue, waiting = [*waiting, i], []
        for j in queue:
            if data[j][0] in texts:
                waiting.append(j)
                continue
            batch.append(data[j])
            texts.add(data[j][0])
            if len(batch) == size:
                batches.append(batch)
                batch, texts = [], set()
    rng.shuffle(batches)
    return batches


def query_model(
    root: Path,
    base: Embedder,
    items: list[Item],
    concepts: list[Concept],
    chunks: list[Chunk],
    concept_vectors: np.ndarray,
    chunk_vectors: np.ndarray,
    progress: Callable[[str], None],
    settings: Settings = DEFAULT,
    hidden: frozenset[str] = frozenset(),
    reads: Sequence[str] = (),
    shipped: Path | None = None,
) -> str | None:
    """The name of the KB's query encoder, trained now unless its key is already built.

    `hidden`: concepts kept out of training altogether (see `examples`).
    `reads`: texts the new encoder is asked to read next (see `read_ahead`).
    `shipped`: a folder of trained layers by key (see `ship`): one with this key is taken
    instead of training.

    Returns:
        A model name for `kb.embed.Embedder` (relative to the KB folder), or None when there
        is nothing to train on (then queries use the untouched model).
    """
    if not items:
        return None
    key = model_key(base.name, items, concepts, settings, hidden)
    name = model_name(key)
    folder = root / MODELS / key
    if folder.is_dir():
        progress(f"query encoder {key} is built already")
        return name
    layers = shipped / f"{key}{LAYERS}" if shipped else None
    with torch_threads(settings.threads):
        stack = Layers.of(base, settings)
        states: dict = {}
        if layers and layers.is_file():
            progress(f"query encoder {key}: its trained layers come from {layers}")
            stack.load(layers)
        else:
            progress(f"training the query encoder {key} on {len(items)} situations")
            stack.lower([item.text for item in items], states)
            base_queries = stack.encode([item.text for item in items], states)  # untouched
            chunk_row = {c.id: i for i, c in enumerate(chunks)}
            data = examples(
                items, concepts, chunk_row, base_queries, concept_vectors, settings, hidden
            )
            stack.lower([text for text, _, _ in data], states)
            train(stack, states, data, concept_vectors, chunk_vectors, settings, progress)
            stack.to_half()
        stack.model.max_seq_length = base.max_tokens
        read_ahead(stack, states, list(reads), settings, root, name)
    save_model(stack.model, root / MODELS, key)
    return name


def save_model(model, models: Path, key: str) -> Path:
    """The trained model saved as `models/<key>`: written to a temporary folder and renamed,
    so a crash leaves no half model under its key (a `kill -9` leaves the temporary folder,
    which the next publish sweeps, `kb.versions.sweep_temporary`); a failure removes it, and
    a full disk is one line (`kb.errors.DiskFull`)."""
    folder = models / key
    tmp = models / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with disk.writing(models, f"the trained query encoder {key}", leftover=tmp):
        model.save(str(tmp))
        os.replace(tmp, folder)
    return folder


def read_ahead(
    stack: Layers, states: dict, texts: list[str], settings: Settings, root: Path, name: str
) -> None:
    """Read `texts` with the just-trained encoder into the KB's embedding cache, reusing
    the frozen layers' pass over the training texts: the version's calibration and example
    queries, read afterwards by the whole exported model, took as long as training itself.
    A text that training cut at `settings.max_tokens` is read again whole."""
    whole = {t: s for t, s in states.items() if len(s) < settings.max_tokens}
    stack.lower(texts, whole)
    vectors = stack.encode(texts, whole)
    with closing(EmbeddingCache(root / EMBEDDINGS, name)) as cache:
        cache.put_many({sha256_text(t): v for t, v in zip(texts, vectors)})


SHIPPED = "encoders"  # inside a training corpus folder: the encoders shipped with it
LAYERS = ".safetensors"  # a shipped encoder: its key, then this


def ship(root: Path, name: str, target: Path, settings: Settings = DEFAULT) -> Path:
    """Keep the trained layers of the KB's encoder `name` in `target` (beside the corpus
    that taught them), the only encoder there, so that a fresh clone with the same corpus,
    catalog and settings skips training (`query_model`'s `shipped`)."""
    from sentence_transformers import SentenceTransformer

    key = model_key_of(name)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{key}{LAYERS}"
    model = SentenceTransformer(str(root / name), device="cpu")
    Layers(model, settings.trained_layers).save(path)
    for stale in target.glob(f"*{LAYERS}"):
        if stale != path:
            stale.unlink()
    return path

"""Write the demo prompt set: `python -m app.data.demo.prompts` -> data/demo/prompts.jsonl.

Nine domains, each prompt with a reference answer and the verifier that checks it. The
arithmetic, unit, string, format and multiple-choice prompts are generated from a fixed
seed; capitals, translations, yes/no facts and code tasks come from app/data/demo/facts.py.
Each domain also has a few worked examples (prompts.examples.json) for few-shot arms.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from app import settings
from app.data.demo import facts

OUT = settings.REPO_ROOT / "data" / "demo"
SEED = 20261123
PER_DOMAIN = 70      # hand-written domains
GENERATED = 75       # generated domains


def _record(task: str, i: int, prompt: str, verifier: dict, **extra) -> dict:
    return {"id": f"{task}-{i:03d}", "task": task, "prompt": prompt, "verifier": verifier,
            **extra}


def arithmetic(rng: random.Random) -> list[dict]:
    """Small sums, differences and products: within reach of a 135M model, sometimes."""
    out = []
    for i in range(GENERATED):
        op = ["+", "-", "*"][i % 3]
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        if op == "-":
            a, b = max(a, b) + rng.randint(0, 9), min(a, b)
        value = {"+": a + b, "-": a - b, "*": a * b}[op]
        word = {"+": "plus", "-": "minus", "*": "times"}[op]
        out.append(_record("arithmetic", i, f"What is {a} {word} {b}? Answer with just the "
                           "number.", {"type": "numeric", "reference": str(value)}))
    return out


UNITS = [("kilometer", "meters", 1000), ("meter", "centimeters", 100),
         ("kilogram", "grams", 1000), ("hour", "minutes", 60), ("minute", "seconds", 60),
         ("day", "hours", 24), ("liter", "milliliters", 1000), ("week", "days", 7),
         ("dozen", "eggs", 12), ("year", "months", 12), ("century", "years", 100),
         ("decade", "years", 10)]
COUNTS = ["one", "two", "three", "four", "five"]


def units(rng: random.Random) -> list[dict]:
    """Unit facts ("one hour") and small multiples of them ("three hours")."""
    out = []
    for i in range(GENERATED):
        big, small, factor = UNITS[i % len(UNITS)]
        n = 1 if i < len(UNITS) * 2 else rng.randint(2, 5)
        plural = big if n == 1 else (big[:-1] + "ies" if big.endswith("y") else big + "s")
        out.append(_record("units", i, f"How many {small} are in {COUNTS[n - 1]} {plural}? "
                           "Answer with just the number.",
                           {"type": "numeric", "reference": str(n * factor)}))
    return out


def antonyms(rng: random.Random) -> list[dict]:
    return [_record("antonyms", i, f"What is the opposite of '{word}'? Answer with one word.",
                    {"type": "normalised", "reference": opposite})
            for i, (word, opposite) in enumerate(facts.ANTONYMS)]


def capitals(rng: random.Random) -> list[dict]:
    return [_record("capitals", i, f"What is the capital of {country}? Answer with just the "
                    "city name.", {"type": "normalised", "reference": capital})
            for i, (country, capital) in enumerate(facts.CAPITALS[:PER_DOMAIN])]


def strings(rng: random.Random) -> list[dict]:
    out = []
    for i in range(GENERATED):
        word = facts.WORDS[i % len(facts.WORDS)]
        kind = i % 4
        if kind == 0:
            prompt, ref, check = f"What is the first letter of the word '{word}'? Answer with " \
                "just the letter.", word[0], "normalised"
        elif kind == 1:
            prompt, ref, check = f"What is the last letter of the word '{word}'? Answer with " \
                "just the letter.", word[-1], "normalised"
        elif kind == 2:
            prompt, ref, check = f"How many letters are in the word '{word}'? Answer with " \
                "just the number.", str(len(word)), "numeric"
        else:
            prompt, ref, check = f"Write the word '{word}' in capital letters. Answer with " \
                "just the word.", word.upper(), "exact"
        out.append(_record("strings", i, prompt, {"type": check, "reference": ref}))
    return out


def yes_no(rng: random.Random) -> list[dict]:
    return [_record("yes_no", i, f"{question} Answer yes or no.",
                    {"type": "choice", "reference": answer, "options": ["yes", "no"]})
            for i, (question, answer) in enumerate(facts.YES_NO[:PER_DOMAIN])]


def translation(rng: random.Random) -> list[dict]:
    return [_record("translation", i, f"Translate the {language} word '{word}' into English. "
                    "Answer with one word.", {"type": "normalised", "reference": meaning})
            for i, (language, word, meaning) in enumerate(facts.TRANSLATIONS[:PER_DOMAIN])]


def code(rng: random.Random) -> list[dict]:
    out = []
    for i, (_name, does, signature, tests) in enumerate(facts.CODE_TASKS):
        prompt = (f"Write a Python function `{signature}` that {does}. Reply with only the "
                  "code.")
        out.append(_record("code", i, prompt, {"type": "python", "tests": tests,
                                               "timeout_s": 5}, max_tokens=160))
    return out


def formatting(rng: random.Random) -> list[dict]:
    out = []
    for i in range(GENERATED):
        word = facts.WORDS[(i * 7) % len(facts.WORDS)]
        kind = i % 3
        if kind == 0:
            prompt = f"Reply with only the word {word} in lowercase, with no other text."
            pattern = f"{word}\\.?"
        elif kind == 1:
            n = rng.randint(2, 5)
            prompt = f"Reply with the word {word} repeated {n} times, separated by spaces."
            pattern = " ".join([word] * n) + "\\.?"
        else:
            prompt = f"Reply with the word {word} wrapped in square brackets, like [word]."
            pattern = f"\\[{word}\\]\\.?"
        out.append(_record("format", i, prompt, {"type": "regex", "pattern": pattern}))
    return out


def multiple_choice(rng: random.Random) -> list[dict]:
    out = []
    for i, (question, options, letter) in enumerate(facts.SCIENCE_MC):
        out.append(_mc(i, question, options, letter))
    pool = facts.CAPITALS[: len(facts.CAPITALS)]
    for i in range(len(out), GENERATED):
        country, capital = pool[(i * 11) % len(pool)]
        right = capital.split("|")[0]
        wrong = rng.sample([c.split("|")[0] for _, c in pool if c != capital], 3)
        options = wrong + [right]
        rng.shuffle(options)
        out.append(_mc(i, f"Which city is the capital of {country}?", options,
                       "ABCD"[options.index(right)]))
    return out


def _mc(i: int, question: str, options: list[str], letter: str) -> dict:
    lines = "\n".join(f"{'ABCD'[k]}) {o}" for k, o in enumerate(options))
    return _record("multiple_choice", i, f"{question}\n{lines}\nAnswer with the letter only.",
                   {"type": "multiple_choice", "reference": letter})


DOMAINS = [arithmetic, units, capitals, strings, yes_no, translation, code, formatting,
           multiple_choice, antonyms]

# Worked examples for few-shot arms, written separately from the prompts above.
EXAMPLES = {
    "arithmetic": [["What is 4 plus 5? Answer with just the number.", "9"],
                   ["What is 3 times 2? Answer with just the number.", "6"]],
    "units": [["How many grams are in two kilograms? Answer with just the number.", "2000"],
              ["How many seconds are in one minute? Answer with just the number.", "60"]],
    "antonyms": [["What is the opposite of 'dry'? Answer with one word.", "wet"],
                 ["What is the opposite of 'slow'? Answer with one word.", "fast"]],
    "capitals": [["What is the capital of Italy? Answer with just the city name.", "Rome"],
                 ["What is the capital of Kenya? Answer with just the city name.", "Nairobi"]],
    "strings": [["What is the first letter of the word 'lemon'? Answer with just the letter.",
                 "l"], ["How many letters are in the word 'tree'? Answer with just the number.",
                        "4"]],
    "yes_no": [["Is water wet? Answer yes or no.", "yes"],
               ["Can a horse fly? Answer yes or no.", "no"]],
    "translation": [["Translate the French word 'livre' into English. Answer with one word.",
                     "book"], ["Translate the Spanish word 'sol' into English. Answer with one "
                               "word.", "sun"]],
    "code": [["Write a Python function `inc(n)` that returns n plus one. Reply with only the "
              "code.", "def inc(n):\n    return n + 1"]],
    "format": [["Reply with only the word lamp in lowercase, with no other text.", "lamp"],
               ["Reply with the word sky wrapped in square brackets, like [word].", "[sky]"]],
    "multiple_choice": [["Which animal barks?\nA) Cat\nB) Dog\nC) Fish\nD) Bird\nAnswer with "
                         "the letter only.", "B"]],
}


def build() -> list[dict]:
    """Every domain's prompts, each text once: a repeat (same text once case and spacing
    are normalised, as the train/test split groups them) is dropped where it is drawn, so
    no prompt can sit in both splits or be counted twice."""
    rng = random.Random(SEED)
    seen: set[str] = set()
    unique = []
    for record in (r for domain in DOMAINS for r in domain(rng)):
        key = " ".join(record["prompt"].lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(record)
    return unique


def write(out: Path = OUT) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "prompts.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for record in build():
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "prompts.examples.json").write_text(json.dumps(EXAMPLES, indent=1,
                                                          ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    written = write()
    print(f"wrote {sum(1 for _ in written.open())} prompts to {written}")

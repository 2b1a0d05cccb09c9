"""Speech recognition figures: speed, memory and word error rate of the offline transcriber.

    .venv/bin/python bench/asr.py [--minutes 10] [--keep DIR]

Needs ``.[asr]``, jiwer (the test extra), espeak-ng and ffmpeg.

1. Speech: espeak-ng (voice ``en-gb``) reads a reference script, a plausible Leadership Live
   conversation about NHS leadership built from the sentences below (seeded, so every run
   hears the same script), until it lasts ``--minutes``; paragraphs are joined with half a
   second of silence and encoded as a 64 kb/s MP3, as an episode would be uploaded. A Welsh
   passage (voice ``cy``, about a minute) is made the same way.
2. Ours: ``transcripts.asr.transcriber.transcribe`` (the function the transcription job calls:
   for speech recognition that *is* the product's code path, there is no server in between)
   followed by ``words_to_cues``, with the show's language ``en-GB``; then the Welsh passage
   with ``cy``.
3. Reference, same run, same MP3: the bare faster-whisper call with its defaults
   (``WhisperModel(dir, device="cpu", compute_type="int8").transcribe(path)``: beam 5, no word
   timestamps, no VAD, six-step temperature fallback), all segments consumed.

Each run is a child process, so its peak RSS (``ru_maxrss`` from ``wait4``) is its own; model
loading is timed apart from transcription. Figures: real-time factor (audio seconds per wall
second of transcription), peak RSS, word error rate against the script (lower case, punctuation
removed; jiwer), our time over the bare call's, and the load average (the machine is shared).
Targets (issue 13): real-time factor >= 4 for Whisper base int8 on 2 cores; peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# transcripts package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

RATE_TARGET = 4.0
RSS_TARGET_MIB = 1024

OPENINGS = [
    "Welcome to Leadership Live, the podcast of the NHS North West Leadership Academy.",
    "Hello and welcome back to Leadership Live.",
    "Welcome to another episode of Leadership Live, where we talk to people who lead in "
    "health and care.",
]
SENTENCES = [
    "Today I am joined by a ward manager who has led her team through a very hard winter.",
    "Thank you for having me, it is a real pleasure to be here.",
    "Can you tell us a little about your role and the people you work with?",
    "I manage a busy medical ward with about forty nurses and healthcare assistants.",
    "The first thing I learned as a leader is that you have to listen before you speak.",
    "When the pressure is on, people look to you for calm, not for answers.",
    "We started a short huddle every morning so that everyone could say how they were feeling.",
    "It only takes ten minutes, but it changed the way the team talks to each other.",
    "What would you say to someone who is stepping into their first leadership role?",
    "Find a mentor early, and do not be afraid to admit what you do not know.",
    "Compassionate leadership is not about being soft, it is about being present.",
    "Our staff survey showed that people wanted to be asked, not told.",
    "So we invited the whole team to help redesign the discharge process.",
    "The porters, the pharmacists and the social workers all had ideas we had never heard.",
    "Patients went home sooner, and the team felt ownership of the change.",
    "How do you look after your own wellbeing when you are supporting everyone else?",
    "I walk to work when I can, and I protect one evening a week for my family.",
    "Leaders need to model the behaviour they want to see in others.",
    "If I stay late every night, my team will think that is what is expected of them.",
    "Inclusion matters too, because a team that reflects its community serves it better.",
    "We have worked hard to make sure that every voice is heard in our meetings.",
    "Some of our best improvements came from the newest members of staff.",
    "Data helps, but stories are what persuade people to change.",
    "I always ask what matters to the patient, not just what is the matter with them.",
    "Working across organisations can be slow, but relationships make it faster.",
    "We now meet our colleagues in primary care every month to talk about shared patients.",
    "Trust takes years to build and moments to lose, so we guard it carefully.",
    "What has the Leadership Academy given you over the years?",
    "The programmes gave me a network of peers I can call on when things get difficult.",
    "Coaching helped me understand how my own habits affect the people around me.",
    "Before we finish, what is one thing listeners could try tomorrow?",
    "Ask one member of your team what gets in the way of their work, and then act on it.",
    "That is a lovely place to end, thank you so much for your time.",
    "Thank you for listening to Leadership Live.",
    "You can find a transcript of this episode and the show notes on our website.",
    "Please share the podcast with colleagues who might find it useful.",
]
WELSH_PARAGRAPHS = [
    "Croeso i Leadership Live, podlediad Academi Arweinyddiaeth y Gogledd Orllewin.",
    "Heddiw rydym yn siarad am arweinyddiaeth dosturiol ym maes iechyd a gofal cymdeithasol.",
    "Mae gwrando ar y tîm yn bwysicach na rhoi atebion.",
    "Bob bore rydym yn cwrdd am ddeg munud i siarad am sut mae pawb yn teimlo.",
    "Mae cleifion yn mynd adref yn gynt pan fydd y tîm cyfan yn rhan o'r newid.",
    "Diolch yn fawr am wrando, a welwn ni chi y tro nesaf.",
]


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def english_script(minutes: float) -> list[str]:
    """Paragraphs of about 100 words until the script is long enough (espeak-ng's en-gb voice
    speaks about 200 words a minute)."""
    rng = random.Random(13)
    words_needed = int(minutes * 200)
    paragraphs = [" ".join([rng.choice(OPENINGS), *rng.sample(SENTENCES, 4)])]
    while sum(len(p.split()) for p in paragraphs) < words_needed:
        paragraphs.append(" ".join(rng.sample(SENTENCES, 6)))
    return paragraphs


def speak(paragraphs: list[str], voice: str, folder: Path, name: str) -> tuple[Path, float]:
    """The paragraphs spoken one after another with half a second between, as an MP3."""
    pieces = []
    for index, text in enumerate(paragraphs):
        piece = folder / f"{name}-{index:03d}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(piece), text], check=True)
        pieces.append(piece)
    joined = folder / f"{name}.wav"
    with wave.open(str(joined), "wb") as out:
        for index, piece in enumerate(pieces):
            with wave.open(str(piece), "rb") as source:
                if index == 0:
                    out.setparams(source.getparams())
                    silence = b"\0" * (source.getsampwidth() * source.getframerate() // 2)
                out.writeframes(source.readframes(source.getnframes()))
                out.writeframes(silence)
            piece.unlink()
        duration = out.getnframes() / out.getframerate()
    mp3 = folder / f"{name}.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(joined), "-b:a", "64k", str(mp3)], check=True
    )
    joined.unlink()
    return mp3, duration


def child(kind: str, audio: str, language: str, data_dir: str) -> None:
    """Run one transcription in this (child) process and print its figures as JSON."""
    from podcast.core.settings import Settings
    from transcripts.asr.grouping import words_to_cues
    from transcripts.asr.model import prepare_model
    from transcripts.asr.transcriber import load_model, transcribe

    settings = Settings(data_dir=Path(data_dir))
    started = time.perf_counter()
    if kind == "ours":
        load_model(settings)
        loaded = time.perf_counter()
        result = transcribe(audio, settings=settings, language=language)
        cues = words_to_cues(result.words)
        text = "".join(word.text for word in result.words)
        extra = {"cues": len(cues), "words": len(result.words)}
    else:
        from faster_whisper import WhisperModel

        model = WhisperModel(prepare_model(settings), device="cpu", compute_type="int8")
        loaded = time.perf_counter()
        segments, _info = model.transcribe(audio)
        text = "".join(segment.text for segment in segments)
        extra = {}
    done = time.perf_counter()
    print(json.dumps({"load": loaded - started, "seconds": done - loaded, "text": text, **extra}))


def measure(kind: str, audio: Path, language: str, data_dir: Path) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", kind, str(audio), language, str(data_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{kind} failed with exit code {process.returncode}")
        figures: dict[str, object] = json.loads(output.read().decode().strip().splitlines()[-1])
    figures["rss_mib"] = usage.ru_maxrss / 1024
    return figures


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(normalise(reference), normalise(hypothesis) or "-"))


def report(name: str, figures: dict[str, object], duration: float, reference: str) -> float:
    seconds = float(figures["seconds"])  # type: ignore[arg-type]
    rate = duration / seconds
    print(
        f"{name:<28} {seconds:7.1f} s  RTF {rate:5.2f}x  load {float(figures['load']):4.1f} s  "  # type: ignore[arg-type]
        f"peak RSS {float(figures['rss_mib']):6.0f} MiB  "  # type: ignore[arg-type]
        f"WER {wer(reference, str(figures['text'])):.3f}",
        flush=True,
    )
    return seconds


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--keep", type=Path, help="keep the audio and model in this folder")
    args = parser.parse_args()
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"error: {tool} not found; apt-get install {tool}")

    from podcast.core.settings import Settings
    from transcripts.asr.model import asr_status, prepare_model

    with tempfile.TemporaryDirectory(prefix="bench-asr-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=folder)
        status = asr_status(settings)
        if not status.available:
            raise SystemExit(f"error: {status.reason}")
        prepare_model(settings)  # join once, outside the timings

        english = english_script(args.minutes)
        en_audio, en_seconds = speak(english, "en-gb", folder, "en")
        cy_audio, cy_seconds = speak(WELSH_PARAGRAPHS, "cy", folder, "cy")
        en_text, cy_text = " ".join(english), " ".join(WELSH_PARAGRAPHS)
        print(
            f"audio: English {en_seconds / 60:.1f} min ({len(en_text.split())} words), "
            f"Welsh {cy_seconds:.0f} s ({len(cy_text.split())} words); model {status.model}; "
            f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start",
            flush=True,
        )
        ours = measure("ours", en_audio, "en-GB", folder)
        ours_s = report("ours, English (en-GB)", ours, en_seconds, en_text)
        bare = measure("bare", en_audio, "en", folder)
        bare_s = report("bare faster-whisper, English", bare, en_seconds, en_text)
        welsh = measure("ours", cy_audio, "cy", folder)
        report("ours, Welsh (cy)", welsh, cy_seconds, cy_text)
        rate = en_seconds / ours_s
        rss = max(float(ours["rss_mib"]), float(welsh["rss_mib"]))  # type: ignore[arg-type]
        print(
            f"ours / bare time: {ours_s / bare_s:.2f}x; "
            f"real-time factor {rate:.2f}x (target >= {RATE_TARGET:.0f}x: "
            f"{'meets' if rate >= RATE_TARGET else 'MISSES'} target); peak RSS {rss:.0f} MiB "
            f"(target < {RSS_TARGET_MIB} MiB: "
            f"{'meets' if rss < RSS_TARGET_MIB else 'MISSES'} target); "
            f"load average {os.getloadavg()[0]:.1f} at end",
            flush=True,
        )
        print(f"ours, first cues: {ours.get('cues')} cues from {ours.get('words')} words")


if __name__ == "__main__":
    main()

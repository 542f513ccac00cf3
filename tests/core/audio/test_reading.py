"""core.audio: formats round-trip, windows read only what is asked, bad files raise AudioError."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

from core.audio import reading as audio
from core.errors import AudioError
from tests import audio_factory as af

# (name, format, subtype, rate, tolerance) for formats this soundfile/libsndfile writes.
LOSSLESS = [
    ("u8.wav", "WAV", "PCM_U8", 16000, 1e-2),
    ("s8.aiff", "AIFF", "PCM_S8", 16000, 1e-2),
    ("s16.wav", "WAV", "PCM_16", 16000, 1e-4),
    ("s24.wav", "WAV", "PCM_24", 16000, 1e-6),
    ("s32.wav", "WAV", "PCM_32", 16000, 1e-6),
    ("f32.wav", "WAV", "FLOAT", 16000, 1e-7),
    ("f64.wav", "WAV", "DOUBLE", 16000, 1e-7),
    ("s16.flac", "FLAC", "PCM_16", 44100, 1e-4),
    ("s24.flac", "FLAC", "PCM_24", 96000, 1e-6),
    ("s16.aiff", "AIFF", "PCM_16", 22050, 1e-4),
    ("s16.au", "AU", "PCM_16", 8000, 1e-4),
    ("s16.w64", "W64", "PCM_16", 16000, 1e-4),
    ("s16.caf", "CAF", "PCM_16", 16000, 1e-4),
    ("s16.rf64", "RF64", "PCM_16", 16000, 1e-4),
    ("hi.wav", "WAV", "PCM_16", 96000, 1e-4),
    ("lo.wav", "WAV", "PCM_16", 8000, 1e-4),
]
LOSSY = [
    ("vorbis.ogg", "OGG", "VORBIS", 44100),
    ("opus.opus", "OGG", "OPUS", 48000),
    ("layer3.mp3", "MP3", "MPEG_LAYER_III", 44100),
]


def _writable(fmt: str, subtype: str) -> bool:
    return fmt in sf.available_formats() and subtype in sf.available_subtypes(fmt)


@pytest.mark.parametrize("name,fmt,subtype,rate,tol", LOSSLESS)
def test_lossless_round_trip(tmp_path, name, fmt, subtype, rate, tol):
    if not _writable(fmt, subtype):
        pytest.skip(f"{fmt}/{subtype} not writable here")
    x = af.tone(440, 0.5, rate)
    path = af.write(tmp_path / name, x, rate, subtype=subtype, format=fmt)
    meta = audio.info(path)
    assert meta.path == path and meta.sample_rate_hz == rate and meta.channels == 1
    assert meta.frames == len(x) and meta.duration_s == pytest.approx(0.5)
    assert meta.format == fmt and meta.subtype == subtype
    y = audio.read(path)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert np.abs(y - x).max() <= tol + 2.0 ** -7 * (subtype in ("PCM_U8", "PCM_S8"))
    y16 = audio.read(path, sample_rate_hz=16000)
    assert y16.dtype == np.float32 and len(y16) == math.ceil(len(x) * 16000 / rate)


@pytest.mark.parametrize("name,fmt,subtype,rate", LOSSY)
def test_lossy_round_trip(tmp_path, name, fmt, subtype, rate):
    if not _writable(fmt, subtype):
        pytest.skip(f"{fmt}/{subtype} not writable here")
    x = af.tone(440, 1.0, rate)
    path = af.write(tmp_path / name, x, rate, subtype=subtype, format=fmt)
    meta = audio.info(path)
    assert meta.sample_rate_hz == rate and meta.frames == pytest.approx(len(x), abs=1200)
    y = audio.read(path)
    assert abs(len(y) - len(x)) <= 1200
    # Lossy codecs shift phase a little; compare loudness, and the pitch through the spectrum.
    rms = float(np.sqrt(np.mean(y[rate // 10: -rate // 10] ** 2)))
    assert rms == pytest.approx(0.5 / math.sqrt(2), rel=0.15)
    half = y[: rate // 2]
    peak_hz = np.argmax(np.abs(np.fft.rfft(half))) * rate / len(half)
    assert peak_hz == pytest.approx(440, abs=10)
    assert len(audio.read(path, sample_rate_hz=16000)) == math.ceil(len(y) * 16000 / rate)


@pytest.mark.parametrize("channels", [2, 6])
def test_multichannel_is_mean_of_channels(tmp_path, channels):
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((8000, channels))).astype(np.float32)
    path = af.write(tmp_path / f"c{channels}.wav", x, 16000, subtype="FLOAT")
    assert audio.info(path).channels == channels
    y = audio.read(path)
    np.testing.assert_allclose(y, x.mean(axis=1), atol=1e-6)


def test_one_channel_is_read_alone_and_a_missing_one_is_refused(tmp_path):
    """A stereo recorder's two microphones: either can be read without the other."""
    rng = np.random.default_rng(1)
    x = (0.3 * rng.standard_normal((16000, 2))).astype(np.float32)
    path = af.write(tmp_path / "pair.wav", x, 16000, subtype="FLOAT")
    np.testing.assert_array_equal(audio.read(path, channel=1), x[:, 1])
    np.testing.assert_array_equal(audio.read(path, offset_s=0.5, duration_s=0.25, channel=0),
                                  x[8000:12000, 0])
    blocks = list(audio.read_blocks(path, 0.3, channel=1))
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), x[:, 1])
    for bad in (2, -1):
        with pytest.raises(ValueError, match="pair.wav has 2 channel"):
            audio.read(path, channel=bad)
        with pytest.raises(ValueError, match="pair.wav has 2 channel"):
            list(audio.read_blocks(path, 1.0, channel=bad))
    mono = af.write(tmp_path / "mono.wav", x[:, 0], 16000, subtype="FLOAT")
    np.testing.assert_array_equal(audio.read(mono, channel=0), x[:, 0])


def test_window_reads_right_segment(tmp_path):
    rate = 16000
    x = af.chirp(100, 4000, 20.0, rate)
    path = af.write(tmp_path / "long.wav", x, rate, subtype="FLOAT")
    y = audio.read(path, offset_s=7.25, duration_s=1.5)
    np.testing.assert_array_equal(y, x[116000:140000])
    # Past the end: cut short; beyond it: empty.
    assert len(audio.read(path, offset_s=19.5, duration_s=5)) == 8000
    assert len(audio.read(path, offset_s=25.0, duration_s=1)) == 0
    assert len(audio.read(path, offset_s=7.0, duration_s=1.0, sample_rate_hz=8000)) == 8000


@pytest.mark.parametrize("fmt,subtype,ext", [("FLAC", "PCM_16", "flac"), ("OGG", "VORBIS", "ogg"),
                                             ("MP3", "MPEG_LAYER_III", "mp3")])
def test_window_of_compressed_file_matches_full_decode(tmp_path, fmt, subtype, ext):
    if not _writable(fmt, subtype):
        pytest.skip(f"{fmt}/{subtype} not writable here")
    rate = 44100
    path = af.write(tmp_path / f"c.{ext}", af.chirp(100, 5000, 10.0, rate), rate,
                    subtype=subtype, format=fmt)
    full = audio.read(path)
    for offset in (0.05, 3.0, 7.5):
        start = round(offset * rate)
        window = audio.read(path, offset_s=offset, duration_s=1.0)
        np.testing.assert_allclose(window, full[start:start + rate], atol=1e-4)


def test_window_read_does_not_decode_whole_file(tmp_path, monkeypatch):
    """Structural: the frames asked of libsndfile are the window's, never the file's."""
    rate = 8000
    path = af.write(tmp_path / "ten_minutes.wav", np.zeros(600 * rate, np.float32), rate,
                    subtype="PCM_16")
    asked = []
    real_read = sf.SoundFile.read

    def spy(self, frames=-1, *args, **kwargs):
        asked.append(frames)
        return real_read(self, frames, *args, **kwargs)

    monkeypatch.setattr(sf.SoundFile, "read", spy)
    y = audio.read(path, offset_s=300.0, duration_s=1.0)
    assert len(y) == rate
    assert asked and sum(asked) <= rate


def test_read_blocks_streams_whole_file(tmp_path):
    rate = 16000
    x = af.noise(3.3, rate)
    path = af.write(tmp_path / "n.wav", x, rate, subtype="FLOAT")
    blocks = list(audio.read_blocks(path, 1.0))
    assert [b.start_s for b in blocks] == [0.0, 1.0, 2.0, 3.0]
    assert [len(b.samples) for b in blocks] == [16000, 16000, 16000, 4800]
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), x)
    resampled = list(audio.read_blocks(path, 1.0, sample_rate_hz=8000, offset_s=1.0,
                                       duration_s=1.5))
    assert [len(b.samples) for b in resampled] == [8000, 4000]
    with pytest.raises(ValueError):
        list(audio.read_blocks(path, 0))


def test_fit_length_pads_and_trims():
    x = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_array_equal(audio.fit_length(x, 3), [1, 2, 3])
    np.testing.assert_array_equal(audio.fit_length(x, 7), [1, 2, 3, 4, 5, 0, 0])
    assert audio.fit_length(x, 7).dtype == np.float32
    assert len(audio.fit_length(np.zeros(0, np.float32), 4)) == 4


def test_resample_lengths_and_dtype():
    x = af.tone(440, 1.0, 44100)
    y = audio.resample(x, 44100, 16000)
    assert y.dtype == np.float32 and len(y) == 16000
    np.testing.assert_array_equal(audio.resample(x, 44100, 44100), x)
    assert len(audio.resample(x, 8000, 16000)) == 88200
    assert len(audio.resample(np.zeros(0, np.float32), 8000, 16000)) == 0


def test_peak_envelope():
    x = np.array([0, 1, -1, 2, -2, 3, -3, 4], dtype=np.float32)
    mins, maxs = audio.peak_envelope(x, 4)
    np.testing.assert_array_equal(mins, [0, -1, -2, -3])
    np.testing.assert_array_equal(maxs, [1, 2, 3, 4])
    mins, maxs = audio.peak_envelope(x[:2], 5)  # fewer samples than bins
    assert len(mins) == len(maxs) == 5
    mins, maxs = audio.peak_envelope(np.zeros(0, np.float32), 3)
    assert mins.tolist() == maxs.tolist() == [0, 0, 0]


@pytest.mark.parametrize("kind,reason", [
    ("empty", "empty file (0 bytes)"),
    ("text", "not an audio file (unrecognised format)"),
    ("random", "not an audio file (unrecognised format)"),
    ("header_only", "corrupt or truncated audio data"),
])
@pytest.mark.parametrize("call", ["info", "read"])
def test_broken_files_raise_audio_error(tmp_path, kind, reason, call):
    path = af.write_broken(tmp_path / f"{kind}.wav", kind)
    with pytest.raises(AudioError) as caught:
        getattr(audio, call)(path)
    assert caught.value.path == path and caught.value.reason == reason
    assert str(path) in str(caught.value)


def test_a_flac_cut_short_is_read_as_far_as_it_goes_and_says_so(tmp_path):
    """A FLAC's header still claims every sample when its data is cut off; decoding failed
    where the data ended, so every read of it failed. What it holds is found by seeking."""
    rng = np.random.default_rng(0)
    whole = (0.1 * rng.standard_normal(16000 * 4)).astype(np.float32)
    path = af.write(tmp_path / "night.flac", whole)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    head = audio.info(path)
    assert 0.4 * len(whole) < head.frames < 0.5 * len(whole)
    assert head.duration_s == head.frames / 16000
    assert head.note == (f"cut short: it holds {head.duration_s:,.2f} s of the 4.00 s "
                         "its header claims")
    samples = audio.read(path)
    assert len(samples) == head.frames
    np.testing.assert_allclose(samples, whole[: head.frames], atol=1e-4)
    streamed = np.concatenate([b.samples for b in audio.read_blocks(path, 0.5)])
    np.testing.assert_array_equal(streamed, samples)
    tail = audio.read(path, offset_s=head.duration_s - 0.1, duration_s=1.0)
    np.testing.assert_array_equal(tail, samples[-len(tail):])
    assert abs(len(tail) - 1600) <= 1
    assert audio.info(af.write(tmp_path / "whole.flac", whole)).note is None


def test_a_flac_cut_short_is_searched_once_not_at_every_open(tmp_path, monkeypatch):
    """Every window read opens the file: the search took 2 s a time on a 10-minute FLAC."""
    from core.audio import cut_short

    whole = (0.1 * np.random.default_rng(1).standard_normal(16000 * 3)).astype(np.float32)
    path = af.write(tmp_path / "cut.flac", whole)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    searches = []
    search = cut_short._frames_held
    monkeypatch.setattr(cut_short, "_frames_held", lambda *a: searches.append(a) or search(*a))
    held = audio.info(path).frames
    for offset_s in (0.0, 0.5, 1.0):
        audio.read(path, offset_s=offset_s, duration_s=0.25)
    assert audio.info(path).frames == held and len(searches) == 1
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut again: searched again
    assert audio.info(path).frames < held and len(searches) == 2
    # A whole FLAC's end is checked once too (a second handle at every open, the clip view's
    # on the GUI thread).
    probes = []
    probe = cut_short._decodes_at
    monkeypatch.setattr(cut_short, "_decodes_at", lambda *a: probes.append(a) or probe(*a))
    whole_path = af.write(tmp_path / "whole.flac", whole)
    for _ in range(3):
        assert audio.info(whole_path).note is None
    assert len(probes) == 1


def test_a_flac_cut_off_before_its_first_frame_is_refused_as_corrupt(tmp_path):
    path = af.write(tmp_path / "stub.flac", af.tone(440, 1.0))
    data = path.read_bytes()
    path.write_bytes(data[:200])  # its metadata, not a whole audio frame
    with pytest.raises(AudioError) as caught:
        audio.info(path)
    assert caught.value.reason == audio.CORRUPT


def test_a_wav_cut_short_is_read_as_far_as_it_goes_and_says_so(tmp_path):
    """A recorder whose battery died, a copy cut off: the header claims more than the file
    holds. Refused whole as corrupt before, though libsndfile (as Audacity and Raven) reads the
    part that is there."""
    path = af.write(tmp_path / "night.wav", af.tone(440, 1.0))
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 2 * 6000])  # 6,000 of the 16,000 samples
    head = audio.info(path)
    assert head.frames == 6000
    assert head.note == "cut short: it holds 0.38 s of the 1.00 s its header claims"
    samples = audio.read(path)
    np.testing.assert_allclose(samples, af.tone(440, 1.0)[:6000], atol=1e-4)
    assert audio.info(af.write(tmp_path / "whole.wav", af.tone(440, 1.0))).note is None


def test_a_wav_whose_header_says_it_holds_nothing_is_read_to_its_end(tmp_path):
    """A recorder stopped before it wrote its sizes (it writes them last): the data chunk, and
    the RIFF size too, claim 0 bytes. "No audio frames" refused a file of audio; it is read to
    its end, every sample, windows too, with a note. A header with nothing after it is still
    refused."""
    x = af.tone(440, 2.0)
    whole = af.write(tmp_path / "whole.wav", x)
    data = bytearray(whole.read_bytes())
    at = data.index(b"data")
    data[at + 4:at + 8] = bytes(4)
    for name, riff in (("data0.wav", data[4:8]), ("both0.wav", bytes(4))):
        data[4:8] = riff
        path = tmp_path / name
        path.write_bytes(bytes(data))
        head = audio.info(path)
        assert (head.frames, head.note) == (32000, "its header says it holds no audio (a "
                                            "recorder stopped before writing its sizes?): read "
                                            "to the end of the file")
        np.testing.assert_array_equal(audio.read(path), audio.read(whole))
        np.testing.assert_array_equal(audio.read(path, offset_s=1.0, duration_s=0.5),
                                      audio.read(whole, offset_s=1.0, duration_s=0.5))
    empty = tmp_path / "empty.wav"
    empty.write_bytes(bytes(data[:at + 8]))
    with pytest.raises(AudioError, match="no audio frames"):
        audio.info(empty)
    # Truly empty, with a chunk after it (a LIST of tags): no audio, not those bytes as noise.
    listed = tmp_path / "listed.wav"
    listed.write_bytes(bytes(data[:at + 8]) + b"LIST" + (26).to_bytes(4, "little")
                       + b"INFOISFT" + (14).to_bytes(4, "little") + b"Lavf58.76.100\0")
    with pytest.raises(AudioError, match="no audio frames"):
        audio.info(listed)
    # WAVEX, as 24-bit and multi-channel recorders write it.
    import soundfile as sf

    wavex = tmp_path / "wavex.wav"
    sf.write(wavex, np.stack([x, x], axis=1), 16000, subtype="PCM_24", format="WAVEX")
    raw = bytearray(wavex.read_bytes())
    at = raw.index(b"data")
    raw[at + 4:at + 8] = bytes(4)
    wavex.write_bytes(bytes(raw))
    assert audio.info(wavex).frames == 32000 and audio.info(wavex).note.startswith("its header")


def test_a_wav_libsndfile_cannot_seek_in_reads_whole_and_in_windows(tmp_path):
    """GSM 6.10 (old voice recorders, telephony) and G.721: libsndfile decodes them but cannot
    seek, nor tell where it is; a read asked where it stood and called them corrupt."""
    import soundfile as sf

    for subtype in ("GSM610", "G721_32"):
        path = tmp_path / f"{subtype}.wav"
        sf.write(path, af.tone(440, 1.0), 16000, subtype=subtype)
        assert len(audio.read(path)) >= 16000
        assert len(audio.read(path, offset_s=0.5, duration_s=0.25)) == 4000


def test_every_channel_of_a_large_array_may_be_picked(tmp_path):
    """A hydrophone array's 16 channels: only 1-8 could be picked, and Next Channel wrapped
    back to the mix after the eighth."""
    tones = np.stack([af.tone(100.0 * (k + 1), 0.25) for k in range(16)], axis=1)
    path = af.write(tmp_path / "array.wav", tones, subtype="FLOAT")
    assert audio.channel_problem(15) is None and audio.channel_problem(63) is None
    assert audio.channel_problem(64) is not None
    np.testing.assert_allclose(audio.read(path, channel=12), tones[:, 12], atol=1e-6)


def test_nan_samples_raise(tmp_path):
    x = af.tone(440, 0.5)
    x[100] = np.nan
    x[200] = np.inf
    path = af.write(tmp_path / "nan.wav", x, subtype="FLOAT")
    with pytest.raises(AudioError, match="non-finite") as caught:
        audio.read(path)
    assert caught.value.path == path
    # Where and how many: ten minutes of a recording are refused for 0.3 ms of them, and the
    # reason helps a person find the damage.
    assert caught.value.reason == ("contains non-finite samples (NaN or Inf): 2 samples of "
                                   "those read, the first at 0.006 s")
    with pytest.raises(AudioError, match="1 sample of those read, the first at 0.013 s"):
        audio.read(path, offset_s=0.01, duration_s=0.1)
    # The NaN is outside this window, so it reads.
    assert len(audio.read(path, offset_s=0.25)) == 4000


def test_missing_folder_and_no_frames(tmp_path):
    with pytest.raises(AudioError) as caught:
        audio.read(tmp_path / "nope.wav")
    assert caught.value.reason == "file not found"
    folder = tmp_path / "x.wav"
    folder.mkdir()
    for call in (audio.info, audio.read):
        with pytest.raises(AudioError) as caught:
            call(folder)
        assert caught.value.reason == "is a folder" and caught.value.path == folder
    empty = af.write(tmp_path / "zero.wav", np.zeros(0, np.float32))
    with pytest.raises(AudioError) as caught:
        audio.info(empty)
    assert caught.value.reason == "no audio frames"


def test_permission_denied(tmp_path):
    import os

    path = af.write(tmp_path / "locked.wav", af.tone(440, 0.1))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that ignore file permissions")
        with pytest.raises(AudioError) as caught:
            audio.read(path)
        assert caught.value.reason == "permission denied"
    finally:
        path.chmod(0o644)


def test_audio_extensions():
    assert {".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff"} <= audio.AUDIO_EXTENSIONS
    assert all(ext == ext.lower() and ext.startswith(".") for ext in audio.AUDIO_EXTENSIONS)
    assert ".txt" not in audio.AUDIO_EXTENSIONS


def test_a_phone_s_voice_memo_is_listed_and_named_as_a_format_to_convert(tmp_path):
    """A folder's .m4a was passed over in silence, and named alone was "not an audio file"."""
    from core.audio.discovery import iter_audio_files
    from core.store.project import Project

    folder = tmp_path / "memos"
    af.write(folder / "a.wav", af.tone(440, 0.1))
    # An MPEG-4 file's opening box, as a phone writes it: libsndfile knows none of it.
    (folder / "memo.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00isomiso2"
                                      + bytes(range(256)) * 8)
    assert [p.name for p in iter_audio_files(folder)] == ["a.wav", "memo.m4a"]
    with pytest.raises(AudioError, match=r"a format Earmark cannot read \(AAC or ALAC in "
                                         r"MPEG-4, \.m4a\): convert it to WAV or FLAC"):
        audio.info(folder / "memo.m4a")
    with Project.open(folder) as project:
        project.scan()
        memo = next(c for c in project.clips() if c.path == "memo.m4a")
        assert memo.error.startswith(audio.NOT_DECODED) and audio.is_content_fault(memo.error)
    text = tmp_path / "notes.wav"  # a suffix of audio libsndfile reads: as before
    text.write_text("not audio")
    with pytest.raises(AudioError, match="not an audio file"):
        audio.info(text)


def test_only_faults_in_the_files_bytes_are_content_faults():
    """The clip view marks a file unreadable in the store only for these: a permission, a disk
    or a share that may come back, or this machine's memory, say nothing of the file."""
    from core.audio.reading import CORRUPT, NON_FINITE, PERMISSION, UNRECOGNISED, is_content_fault

    assert all(map(is_content_fault, (NON_FINITE, UNRECOGNISED, f"{CORRUPT}: its header claims")))
    assert not any(map(is_content_fault, (PERMISSION, "cannot be read (I/O error)",
                                          "too large to read into memory")))

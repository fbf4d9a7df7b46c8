#!/usr/bin/python3
"""RTSP test camera for the NVR's tests and benches (GStreamer gst-rtsp-server via python3-gi).

Serves a live test pattern with a burnt-in UTC wall clock (ms) and the stream's running time,
encoded like a cheap IP camera (H.264 or H.265, fixed GOP, optional G.711/AAC tone), over RTSP
with TCP interleaved and UDP transports. One shared pipeline per mount, so N clients cost one
encoder. Prints `READY rtsp://<address>:<port><path>` per mount once it listens.

Run with /usr/bin/python3: the gi bindings come from Debian (python3-gi), not from pip.
"""

import argparse
import os
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PROG = "test-camera"


def log(msg):
    # stderr may be a pipe the parent already closed; a log line is never worth a crash.
    try:
        print(f"{PROG}: {msg}", file=sys.stderr, flush=True)
    except OSError:
        pass


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def mount_path(text):
    if not text.startswith("/") or len(text) < 2 or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"mount path must look like /name, got {text!r}")
    return text


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, description="RTSP test camera (gst-rtsp-server)")
    p.add_argument("--address", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8554, help="RTSP port, 0 = any free port (default 8554)")
    p.add_argument("--path", dest="paths", action="append", type=mount_path,
                   help="mount path, repeatable: each is a separate shared stream (default /demo)")
    p.add_argument("--width", type=positive_int, default=640)
    p.add_argument("--height", type=positive_int, default=360)
    p.add_argument("--fps", type=positive_int, default=25)
    p.add_argument("--bitrate-kbps", type=positive_int, default=1000)
    p.add_argument("--keyint-frames", type=positive_int, default=50)
    p.add_argument("--codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--audio", choices=["none", "pcmu", "pcma", "aac"], default="none")
    p.add_argument("--pattern", default="smpte",
                   help="videotestsrc pattern nick (smpte, ball, snow, ...); snow is the worst case for the encoder")
    p.add_argument("--exit-with-stdin", action="store_true",
                   help="exit when stdin reaches EOF, so a crashed parent (test runner) leaves no orphan camera")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error(f"--port out of range: {args.port}")
    if len(set(args.paths or [])) != len(args.paths or []):
        p.error("duplicate --path")
    args.paths = args.paths or ["/demo"]
    return args


def video_branch(a):
    # format=I420 for both codecs: left to negotiate, x264enc/x265enc pick 4:4:4 (x265: 12-bit Rext),
    # which browsers cannot decode and real cameras never send.
    caps = f"video/x-raw,format=I420,width={a.width},height={a.height},framerate={a.fps}/1"
    # "utc" gets its text per frame from a pad probe (clockoverlay only has 1 s resolution).
    overlays = (
        'textoverlay name=utc text="" halignment=left valignment=top shaded-background=true '
        'font-desc="Monospace 14" '
        '! timeoverlay halignment=left valignment=bottom shaded-background=true font-desc="Monospace 12"'
    )
    enc_opts = (f"tune=zerolatency speed-preset=ultrafast key-int-max={a.keyint_frames} "
                f"bitrate={a.bitrate_kbps}")
    if a.codec == "h264":
        enc = (f"x264enc {enc_opts} ! video/x-h264,stream-format=byte-stream "
               "! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=1")
    else:
        enc = (f"x265enc {enc_opts} ! video/x-h265,stream-format=byte-stream "
               "! h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96 config-interval=1")
    return f"videotestsrc is-live=true pattern={a.pattern} ! {caps} ! {overlays} ! {enc}"


def audio_branch(a):
    if a.audio == "none":
        return ""
    rate = 16000 if a.audio == "aac" else 8000
    # 20 ms buffers like a camera's G.711 packetisation (AAC frames are 1024 samples anyway).
    spb = 1024 if a.audio == "aac" else rate // 50
    src = (f"audiotestsrc is-live=true wave=sine freq=440 volume=0.3 samplesperbuffer={spb} "
           f"! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate={rate},channels=1")
    enc = {
        "pcmu": "mulawenc ! rtppcmupay name=pay1 pt=0",
        "pcma": "alawenc ! rtppcmapay name=pay1 pt=8",
        "aac": "voaacenc bitrate=32000 ! aacparse ! rtpmp4gpay name=pay1 pt=97",
    }[a.audio]
    return f"{src} ! {enc}"


def launch_line(a):
    branches = [video_branch(a), audio_branch(a)]
    return "( " + " ".join(b for b in branches if b) + " )"


def stamp_utc(_pad, _info, overlay):
    # Runs in the streaming thread just before textoverlay renders this frame.
    now = time.time()
    ms = int(now * 1000) % 1000
    overlay.set_property("text", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f".{ms:03d} UTC")
    return Gst.PadProbeReturn.OK


def main(argv):
    args = parse_args(argv)
    Gst.init(None)

    loop = GLib.MainLoop()
    stopping = {"reason": None}

    def request_stop(reason):
        if stopping["reason"] is None:
            stopping["reason"] = reason
            loop.quit()
        return GLib.SOURCE_REMOVE

    # GLib-level handlers: they run from the main loop, not in the middle of a GStreamer call.
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, request_stop, "SIGTERM")
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, request_stop, "SIGINT")

    if args.exit_with_stdin:
        def on_stdin(fd, _cond):
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                request_stop("stdin closed")
                return GLib.SOURCE_REMOVE
            return GLib.SOURCE_CONTINUE
        GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, 0, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_stdin)

    line = launch_line(args)
    log(f"launch: {line}")
    # The factory parses the line only when a client connects: parse it now, so a missing plugin
    # or a bad --pattern fails at startup instead of as a DESCRIBE error in some test.
    try:
        Gst.parse_launch(line).set_state(Gst.State.NULL)
    except GLib.Error as e:
        log(f"invalid pipeline: {e.message}")
        return 2

    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    medias = []

    def on_media_configure(_factory, media, path):
        overlay = media.get_element().get_by_name("utc")
        overlay.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, stamp_utc, overlay)
        # Remembered only while prepared (reconnects create new media): shutdown stops these.
        medias.append(media)
        media.connect("unprepared", lambda m: m in medias and medias.remove(m))
        # One line per pipeline (not per client): shows that the media is really shared.
        log(f"media configured for {path}")

    mounts = server.get_mount_points()
    for path in args.paths:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(line)
        # Shared: every client of a mount reads the same encoder. The default suspend mode and
        # stop-on-disconnect unprepare the pipeline after the last client leaves, and the next
        # DESCRIBE builds a fresh one (tested: disconnect/reconnect, SIGKILLed clients).
        factory.set_shared(True)
        # videotestsrc answers "seekable", so gst-rtsp-server honours each PLAY's `Range: npt=0-`
        # (ffmpeg always sends one) with a flushing seek of the SHARED pipeline: every connected
        # client then sees a forced keyframe and timestamps jumping back (measured: 207 frames in a
        # 6 s recording). CLOCK_AND_OFFSET marks the media unseekable, like a real camera.
        factory.set_publish_clock_mode(GstRtspServer.RTSPPublishClockMode.CLOCK_AND_OFFSET)
        factory.connect("media-configure", on_media_configure, path)
        mounts.add_factory(path, factory)

    try:
        source = server.create_source(None)
    except GLib.Error as e:
        log(f"cannot listen on {args.address}:{args.port}: {e.message}")
        return 2
    source.attach(None)

    def on_client(_server, client):
        conn = client.get_connection()
        log(f"client connected from {conn.get_ip() if conn else '?'}")
    server.connect("client-connected", on_client)

    port = server.get_bound_port()
    host = f"[{args.address}]" if ":" in args.address else args.address
    for path in args.paths:
        print(f"READY rtsp://{host}:{port}{path}", flush=True)

    loop.run()
    log(f"stopping ({stopping['reason']})")

    # Tearing down normally takes a few ms; never let a stuck pipeline turn SIGTERM into a hang.
    watchdog = threading.Timer(3.0, lambda: (log("teardown took > 3 s, exiting anyway"), os._exit(0)))
    watchdog.daemon = True
    watchdog.start()

    # Close client connections and stop the pipelines before exiting, so clients see a clean
    # close and no streaming thread calls into Python (the overlay probe) during interpreter teardown.
    server.client_filter(lambda *_: GstRtspServer.RTSPFilterResult.REMOVE)
    for media in medias:
        media.unprepare()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: skip interpreter finalisation while GStreamer threads may still exist.
    os._exit(code)

"""``codex app-server daemon start|stop|restart|version|bootstrap|enable-remote-control|
disable-remote-control|pid-update-loop`` (the 0.136.0 ``codex-app-server-daemon`` crate, Unix
pidfile backend).

State, as the reference leaves it:

* ``$CODEX_HOME/app-server-daemon/``: ``daemon.lock`` (flock serializing lifecycle commands),
  ``settings.json`` (``{"remoteControlEnabled": bool}``, pretty, written by bootstrap and
  enable/disable-remote-control), ``app-server.pid`` (``{"pid":N,"processStartTime":"<ps -o
  lstart>"}``) with its reservation lock ``app-server.pid.lock`` and the child's stderr
  ``app-server.stderr.log``; the updater's ``app-server-updater.pid`` (+ ``.lock``,
  ``.stderr.log``);
* the control socket ``$CODEX_HOME/app-server-control/app-server-control.sock``, served by the
  managed binary ``$CODEX_HOME/packages/standalone/current/codex app-server [--remote-control]
  --listen unix://`` started in its own session (stdin/stdout null).

Every successful command prints one JSON object on stdout; failures print anyhow's
``Error: ...`` on stderr and exit 1.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time

from codex._stdio import err as _err, out as _out

from .control_client import AnyhowError, probe

__all__ = ["Daemon", "lifecycle_cmd", "bootstrap_cmd", "remote_control_mode_cmd",
           "pid_update_loop_cmd"]

START_POLL_INTERVAL = 0.05
START_TIMEOUT = 10.0
OPERATION_LOCK_TIMEOUT = 75.0
STOP_GRACE_PERIOD = 60.0
STOP_TIMEOUT = 70.0

NOT_MANAGED = "app server is running but is not managed by codex app-server daemon"


def _cli_version() -> str:
    from codex import __version__

    return __version__


def _write_json(obj: dict) -> None:
    _out(json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------
# process records
# ---------------------------------------------------------------------------------------------


def _signal_zero(send, pid: int) -> bool:
    """Does signal 0 reach `pid` (`send` is os.kill or os.killpg)? Existing but not ours counts."""
    try:
        send(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _process_exists(pid: int) -> bool:
    if not _signal_zero(os.kill, pid):
        return False
    try:   # a zombie nobody reaped yet is gone for our purposes
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        if stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"Z":
            return False
    except OSError:
        pass
    return True


def _process_group_exists(pid: int) -> bool:
    return _signal_zero(os.killpg, pid)


def read_process_start_time(pid: int) -> str:
    """``ps -p PID -o lstart=`` (what the reference records)."""
    try:
        proc = subprocess.run(["ps", "-p", str(pid), "-o", "lstart="], capture_output=True,
                              stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise AnyhowError("failed to invoke ps for pid-managed app server", exc) from None
    if proc.returncode != 0:
        raise AnyhowError(f"failed to read start time for pid-managed app server {pid}")
    text = proc.stdout.decode("utf-8", "replace").strip()
    if not text:
        raise AnyhowError(f"pid-managed app server {pid} has no recorded start time")
    return text


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError as exc:
        raise AnyhowError("failed to lock pid reservation", exc) from None


def _open_lock(path: str, what: str) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError as exc:
        raise AnyhowError(f"failed to {what} {path}", exc) from None


class PidBackend:
    """``backend/pid.rs``: a pid file reserved under a lock, the child in its own session."""

    def __init__(self, codex_bin: str, pid_file: str, *, args: list[str], group: bool = False):
        self.codex_bin = codex_bin
        self.pid_file = pid_file
        base = pid_file[:-len(".pid")] if pid_file.endswith(".pid") else pid_file
        self.lock_file = base + ".pid.lock"
        self.stderr_log = base + ".stderr.log"
        self.args = args
        self.group = group    # the updater is signalled as a process group

    # -- pid file states: None (missing), "starting", or a record dict

    def _read_state(self):
        try:
            with open(self.pid_file, encoding="utf-8") as f:
                contents = f.read()
        except FileNotFoundError:
            try:
                fd = os.open(self.lock_file, os.O_WRONLY | os.O_CREAT, 0o644)
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise AnyhowError(f"failed to inspect pid lock file {self.lock_file}", exc) from None
            try:
                return None if _try_lock(fd) else "starting"
            finally:
                os.close(fd)
        except OSError as exc:
            raise AnyhowError(f"failed to read pid file {self.pid_file}", exc) from None
        if not contents.strip():
            fd = _open_lock(self.lock_file, "inspect pid lock file")
            try:
                if not _try_lock(fd):
                    return "starting"
                try:
                    with open(self.pid_file, encoding="utf-8") as f:
                        contents = f.read()
                except FileNotFoundError:
                    return None
                if not contents.strip():
                    _unlink(self.pid_file)
                    return None
            finally:
                os.close(fd)
        return self._parse(contents)

    def _read_state_locked(self):
        try:
            with open(self.pid_file, encoding="utf-8") as f:
                contents = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AnyhowError(f"failed to read pid file {self.pid_file}", exc) from None
        if not contents.strip():
            _unlink(self.pid_file)
            return None
        return self._parse(contents)

    def _parse(self, contents: str) -> dict:
        try:
            return parse_serde(contents.encode("utf-8"), "PidRecord",
                               [("pid", "u32"), ("processStartTime", "string")])
        except ValueError as exc:
            raise AnyhowError(f"invalid pid file contents in {self.pid_file}", exc) from None

    def _matches(self, record: dict) -> bool:
        pid = record["pid"]
        if not _process_exists(pid):
            return False
        try:
            return read_process_start_time(pid) == record["processStartTime"]
        except AnyhowError:
            if not _process_exists(pid):
                return False
            raise

    def _is_active(self, record: dict) -> bool:
        if self._matches(record):
            return True
        return self.group and _process_group_exists(record["pid"])

    def _acquire_reservation(self) -> int:
        fd = _open_lock(self.lock_file, "open pid lock file")
        deadline = time.monotonic() + START_TIMEOUT
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise AnyhowError(f"timed out waiting for pid lock {self.lock_file}")
            time.sleep(START_POLL_INTERVAL)
        return fd

    def _refresh_after_stale(self, expected: dict):
        fd = self._acquire_reservation()
        try:
            state = self._read_state_locked()
            if isinstance(state, dict) and state == expected:
                _unlink(self.pid_file)
                return None
            return state
        finally:
            os.close(fd)

    def is_starting_or_running(self) -> bool:
        while True:
            state = self._read_state()
            if state is None:
                return False
            if state == "starting":
                return True
            if self._is_active(state):
                return True
            if self._refresh_after_stale(state) is None:
                return False

    def start(self) -> int | None:
        parent = os.path.dirname(self.pid_file)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise AnyhowError(f"failed to create pid directory {parent}", exc) from None
        lock = self._acquire_reservation()
        try:
            while True:
                try:
                    fd = os.open(self.pid_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    os.close(fd)
                    break
                except FileExistsError:
                    state = self._read_state_locked()
                    if state is None:
                        continue
                    if self._is_active(state):
                        return None
                    _unlink(self.pid_file)
                except OSError as exc:
                    raise AnyhowError(f"failed to reserve pid file {self.pid_file}", exc) from None
            try:
                log = open(self.stderr_log, "wb")
            except OSError:
                log = subprocess.DEVNULL
            try:
                child = subprocess.Popen([self.codex_bin, *self.args], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log,
                                         start_new_session=True, close_fds=True)
            except OSError as exc:
                _unlink(self.pid_file)
                raise AnyhowError(
                    f"failed to spawn detached app-server process using {self.codex_bin}", exc) from None
            finally:
                if log is not subprocess.DEVNULL:
                    log.close()
            child.returncode = 0      # detached: never waited for here (no ResourceWarning)
            pid = child.pid
            try:
                record = {"pid": pid, "processStartTime": read_process_start_time(pid)}
            except AnyhowError:
                self._terminate(pid, signal.SIGTERM)
                _unlink(self.pid_file)
                raise
            tmp = self.pid_file[:-len(".pid")] + ".pid.tmp" if self.pid_file.endswith(".pid") else self.pid_file + ".tmp"
            try:
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(json.dumps(record, separators=(",", ":")))
            except OSError as exc:
                self._terminate(pid, signal.SIGTERM)
                _unlink(self.pid_file)
                raise AnyhowError(f"failed to write pid temp file {tmp}", exc) from None
            try:
                os.replace(tmp, self.pid_file)
            except OSError as exc:
                self._terminate(pid, signal.SIGTERM)
                _unlink(tmp)
                _unlink(self.pid_file)
                raise AnyhowError(f"failed to publish pid file {self.pid_file}", exc) from None
            return pid
        finally:
            os.close(lock)

    def _terminate(self, pid: int, sig: int) -> None:
        if pid <= 1:      # never signal every process / our own group / init
            return
        try:
            if self.group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass
        except OSError as exc:
            what = ("failed to terminate pid-managed updater group" if self.group
                    else "failed to terminate pid-managed app server")
            raise AnyhowError(f"{what} {pid}", exc) from None

    def _wait_for_pid_start(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            state = self._read_state()
            if state != "starting":
                return state
            if time.monotonic() >= deadline:
                raise AnyhowError(
                    f"timed out waiting for pid reservation in {self.pid_file} to finish initializing")
            time.sleep(START_POLL_INTERVAL)

    def stop(self) -> None:
        while True:
            record = self._wait_for_pid_start()
            if record is None:
                return
            if not self._is_active(record):
                if self._refresh_after_stale(record) is None:
                    return
                continue
            pid = record["pid"]
            self._terminate(pid, signal.SIGTERM)
            started = time.monotonic()
            forced = False
            restart = False
            while time.monotonic() < started + STOP_TIMEOUT:
                if not self._is_active(record):
                    if self._refresh_after_stale(record) is None:
                        return
                    restart = True
                    break
                if not forced and time.monotonic() - started >= STOP_GRACE_PERIOD:
                    self._terminate(pid, signal.SIGKILL)
                    forced = True
                time.sleep(START_POLL_INTERVAL)
            if restart:
                continue
            if self._is_active(record):
                raise AnyhowError(f"timed out waiting for pid-managed app server {pid} to stop")


def _serde_unexpected(v) -> str:
    from codex._serde_text import unexpected

    return unexpected(v)


def _serde_typed(check, expecting: str):
    from codex.auth import _json as J

    def convert(v):
        if check(v):
            return v
        if isinstance(v, int) and not isinstance(v, bool) and expecting == "u32":
            raise J.CustomError(f"invalid value: integer `{v}`, expected u32")
        raise J.CustomError(f"invalid type: {_serde_unexpected(v)}, expected {expecting}")

    return J.Custom(J.ANY, convert, deferred=False)


def parse_serde(data: bytes, name: str, fields: list) -> dict:
    """serde_json's ``from_str`` into a struct of bool/u32/String fields; raises ValueError with
    serde_json's message."""
    from codex.auth import _json as J

    kinds = {
        "bool": (lambda v: isinstance(v, bool), "a boolean"),
        "u32": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0xFFFFFFFF, "u32"),
        "string": (lambda v: isinstance(v, str), "a string"),
    }
    schema = J.Struct(name, [J.Field(key, _serde_typed(*kinds[kind])) for key, kind in fields])
    try:
        return J.from_bytes(data, schema)
    except J.Error as exc:
        raise ValueError(str(exc)) from None


STDERR_LOG_TAIL_BYTES = 4096


def read_stderr_log_tail(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size == 0:
                return None
            start = max(size - STDERR_LOG_TAIL_BYTES, 0)
            f.seek(start)
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return None
    if start > 0 and b"\n" in data:
        data = data[data.index(b"\n") + 1:]
    text = data.decode("utf-8", "replace").rstrip()
    return text or None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# the daemon
# ---------------------------------------------------------------------------------------------


def managed_codex_version(codex_bin: str) -> str | None:
    try:
        proc = subprocess.run([codex_bin, "--version"], capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        words = proc.stdout.decode("utf-8").split()
    except UnicodeDecodeError:
        return None
    return words[1] if len(words) > 1 and words[1] else None


class Daemon:
    def __init__(self, codex_home: str):
        self.codex_home = codex_home
        self.socket_path = os.path.join(codex_home, "app-server-control", "app-server-control.sock")
        state = os.path.join(codex_home, "app-server-daemon")
        self.state_dir = state
        self.pid_file = os.path.join(state, "app-server.pid")
        self.update_pid_file = os.path.join(state, "app-server-updater.pid")
        self.operation_lock_file = os.path.join(state, "daemon.lock")
        self.settings_file = os.path.join(state, "settings.json")
        self.managed_codex_bin = os.path.join(codex_home, "packages", "standalone", "current", "codex")
        self._lock_fd: int | None = None

    @classmethod
    def from_environment(cls) -> "Daemon":
        from codex.config.loader import find_codex_home

        try:
            home = find_codex_home()
        except Exception as exc:    # CodexHomeError
            raise AnyhowError("failed to resolve CODEX_HOME", exc) from None
        return cls(home)

    # -- helpers -----------------------------------------------------------------------------

    def acquire_operation_lock(self) -> None:
        try:
            os.makedirs(self.state_dir, exist_ok=True)
        except OSError as exc:
            raise AnyhowError(f"failed to create daemon state directory {self.state_dir}", exc) from None
        fd = _open_lock(self.operation_lock_file, "open daemon operation lock")
        deadline = time.monotonic() + OPERATION_LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise AnyhowError(
                        f"timed out waiting for daemon operation lock {self.operation_lock_file}") from None
                time.sleep(START_POLL_INTERVAL)
            except OSError as exc:
                os.close(fd)
                raise AnyhowError("failed to lock daemon operation", exc) from None
        self._lock_fd = fd

    def release_operation_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def load_settings(self) -> dict:
        try:
            with open(self.settings_file, encoding="utf-8") as f:
                contents = f.read()
        except FileNotFoundError:
            return {"remoteControlEnabled": False}
        except OSError as exc:
            raise AnyhowError(f"failed to read daemon settings {self.settings_file}", exc) from None
        try:
            data = parse_serde(contents.encode("utf-8"), "DaemonSettings", [("remoteControlEnabled", "bool")])
        except ValueError as exc:
            raise AnyhowError(f"failed to parse daemon settings {self.settings_file}", exc) from None
        return {"remoteControlEnabled": data["remoteControlEnabled"]}

    def save_settings(self, settings: dict) -> None:
        try:
            os.makedirs(self.state_dir, exist_ok=True)
        except OSError as exc:
            raise AnyhowError(f"failed to create daemon settings directory {self.state_dir}", exc) from None
        text = json.dumps({"remoteControlEnabled": bool(settings["remoteControlEnabled"])}, indent=2)
        try:
            with open(self.settings_file, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise AnyhowError(f"failed to write daemon settings {self.settings_file}", exc) from None

    def app_server_backend(self, settings: dict, codex_bin: str | None = None) -> PidBackend:
        args = ["app-server", "--listen", "unix://"]
        if settings.get("remoteControlEnabled"):
            args = ["app-server", "--remote-control", "--listen", "unix://"]
        return PidBackend(codex_bin or self.managed_codex_bin, self.pid_file, args=args)

    def updater_backend(self) -> PidBackend:
        return PidBackend(self.managed_codex_bin, self.update_pid_file,
                          args=["app-server", "daemon", "pid-update-loop"], group=True)

    def running_backend(self, settings: dict) -> PidBackend | None:
        backend = self.app_server_backend(settings)
        return backend if backend.is_starting_or_running() else None

    def probe_ok(self) -> bool:
        try:
            probe(self.socket_path)
            return True
        except AnyhowError:
            return False

    def ensure_managed_codex_bin(self) -> None:
        if os.path.isfile(self.managed_codex_bin):
            return
        raise AnyhowError(
            f"managed standalone Codex install not found at {self.managed_codex_bin}\n\n"
            "This command requires the standalone install managed by the Codex installer, because "
            "the daemon starts and updates app-server from that fixed path.\n\n"
            "Install it with:\n  curl -fsSL https://chatgpt.com/codex/install.sh | sh\n\n"
            "Then rerun the command you just tried.")

    def wait_until_ready(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return probe(self.socket_path)
            except AnyhowError as exc:
                if time.monotonic() < deadline:
                    time.sleep(START_POLL_INTERVAL)
                    continue
                context = (f"app server did not become ready on {self.socket_path}\n\n"
                           f"Daemon used app-server:\n  path: {self.managed_codex_bin}\n"
                           f"  version: {managed_codex_version(self.managed_codex_bin) or 'unknown'}")
                log = self.pid_file[:-len(".pid")] + ".stderr.log"
                tail = read_stderr_log_tail(log)
                if tail is not None:
                    context += f"\n\nManaged app-server stderr ({log}):"
                    context += "".join("\n  " + line for line in tail.splitlines())
                raise exc.context(context) from None

    def output(self, status: str, backend: bool, pid: int | None, app_server_version: str | None) -> dict:
        out: dict = {"status": status}
        if backend:
            out["backend"] = "pid"
        if pid is not None:
            out["pid"] = pid
        out["managedCodexPath"] = self.managed_codex_bin
        out["managedCodexVersion"] = managed_codex_version(self.managed_codex_bin)
        out["socketPath"] = self.socket_path
        out["cliVersion"] = _cli_version()
        if app_server_version is not None:
            out["appServerVersion"] = app_server_version
        return out

    def remote_control_output(self, status: str, backend: bool, enabled: bool,
                              app_server_version: str | None) -> dict:
        out: dict = {"status": status}
        if backend:
            out["backend"] = "pid"
        out["remoteControlEnabled"] = enabled
        out["socketPath"] = self.socket_path
        out["cliVersion"] = _cli_version()
        if app_server_version is not None:
            out["appServerVersion"] = app_server_version
        return out

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> dict:
        settings = self.load_settings()
        try:
            version = probe(self.socket_path)
        except AnyhowError:
            version = None
        if version is not None:
            return self.output("alreadyRunning", self.running_backend(settings) is not None, None, version)
        if self.running_backend(settings) is not None:
            version = self.wait_until_ready()
            return self.output("alreadyRunning", True, None, version)
        self.ensure_managed_codex_bin()
        pid = self.app_server_backend(settings).start()
        version = self.wait_until_ready()
        return self.output("started", True, pid, version)

    def restart(self) -> dict:
        settings = self.load_settings()
        if self.probe_ok() and self.running_backend(settings) is None:
            raise AnyhowError(NOT_MANAGED)
        self.ensure_managed_codex_bin()
        backend = self.running_backend(settings)
        if backend is not None:
            backend.stop()
        pid = self.app_server_backend(settings).start()
        version = self.wait_until_ready()
        return self.output("restarted", True, pid, version)

    def stop(self) -> dict:
        settings = self.load_settings()
        backend = self.running_backend(settings)
        if backend is not None:
            backend.stop()
            return self.output("stopped", True, None, None)
        if self.probe_ok():
            raise AnyhowError(NOT_MANAGED)
        return self.output("notRunning", False, None, None)

    def version(self) -> dict:
        settings = self.load_settings()
        version = probe(self.socket_path)
        return self.output("running", self.running_backend(settings) is not None, None, version)

    def run(self, command: str) -> dict:
        if command == "version":
            return self.version()
        self.acquire_operation_lock()
        try:
            return getattr(self, command)()
        finally:
            self.release_operation_lock()

    # -- remote control settings -------------------------------------------------------------

    def set_remote_control_locked(self, enabled: bool) -> dict:
        previous = self.load_settings()
        settings = dict(previous)
        backend = self.running_backend(previous)
        if backend is None and self.probe_ok():
            raise AnyhowError(NOT_MANAGED)
        if settings["remoteControlEnabled"] == enabled:
            version = self.wait_until_ready() if backend is not None else None
            return self.remote_control_output("alreadyEnabled" if enabled else "alreadyDisabled",
                                              backend is not None, enabled, version)
        settings["remoteControlEnabled"] = enabled
        self.save_settings(settings)
        version = None
        if backend is not None:
            self.ensure_managed_codex_bin()
            backend.stop()
            self.app_server_backend(settings).start()
            version = self.wait_until_ready()
        return self.remote_control_output("enabled" if enabled else "disabled",
                                          version is not None, enabled, version)

    def set_remote_control(self, enabled: bool) -> dict:
        self.acquire_operation_lock()
        try:
            return self.set_remote_control_locked(enabled)
        finally:
            self.release_operation_lock()

    # -- bootstrap ---------------------------------------------------------------------------

    def bootstrap_locked(self, remote_control: bool) -> dict:
        self.ensure_managed_codex_bin()
        settings = {"remoteControlEnabled": bool(remote_control)}
        if self.probe_ok() and self.running_backend(settings) is None:
            raise AnyhowError(NOT_MANAGED)
        self.save_settings(settings)
        backend = self.running_backend(settings)
        if backend is not None:
            backend.stop()
        self.app_server_backend(settings).start()
        updater = self.updater_backend()
        if updater.is_starting_or_running():
            updater.stop()
        updater.start()
        version = self.wait_until_ready()
        return {
            "status": "bootstrapped",
            "backend": "pid",
            "autoUpdateEnabled": True,
            "remoteControlEnabled": settings["remoteControlEnabled"],
            "managedCodexPath": self.managed_codex_bin,
            "managedCodexVersion": managed_codex_version(self.managed_codex_bin),
            "socketPath": self.socket_path,
            "cliVersion": _cli_version(),
            "appServerVersion": version,
        }

    def bootstrap(self, remote_control: bool) -> dict:
        self.acquire_operation_lock()
        try:
            return self.bootstrap_locked(remote_control)
        finally:
            self.release_operation_lock()

    def is_bootstrapped(self) -> bool:
        return self.updater_backend().is_starting_or_running()

    def ensure_remote_control_started(self) -> dict:
        """``remote-control start``'s daemon half: bootstrap with remote control, or (already
        bootstrapped) enable it and start."""
        self.acquire_operation_lock()
        try:
            self.load_settings()
            if self.is_bootstrapped():
                self.set_remote_control_locked(True)
                return self.start()
            return self.bootstrap_locked(True)
        finally:
            self.release_operation_lock()


# ---------------------------------------------------------------------------------------------
# command handlers
# ---------------------------------------------------------------------------------------------


def _run(fn) -> int:
    try:
        result = fn()
    except AnyhowError as exc:
        _err(exc.render())
        return 1
    except KeyboardInterrupt:
        return 130
    _write_json(result)
    return 0


def lifecycle_cmd(invocation) -> int:
    command = invocation.path[-1]
    return _run(lambda: Daemon.from_environment().run(command))


def bootstrap_cmd(invocation) -> int:
    remote = bool(invocation.values.get("remote_control"))
    return _run(lambda: Daemon.from_environment().bootstrap(remote))


def remote_control_mode_cmd(invocation) -> int:
    enabled = invocation.path[-1] == "enable-remote-control"
    return _run(lambda: Daemon.from_environment().set_remote_control(enabled))


def pid_update_loop_cmd(invocation) -> int:
    """``app-server daemon pid-update-loop``: the detached updater. This build never downloads
    a newer Codex (no installer): it waits until it is told to stop."""
    stop = []

    def handler(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    while not stop:
        signal.pause()
    return 0

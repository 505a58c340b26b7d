#!/usr/bin/env python3
"""Writes the Windows console captures in this directory from the logical
text below: tabs become 8 spaces, lines are hard-wrapped at the console
width, and (for padded captures) every row is padded with spaces to that
width, as copying a Windows console window gives. Hand-written text, not a
copy of anyone's paste; run it again after editing the text."""

AGENT = """\
=== RUN   TestOpenDevice
--- FAIL: TestOpenDevice (0.02s)Exception 0xc0000005 0x0 0x18 0x7ffc3a2b1f40
PC=0x7ffc3a2b1f40
signal arrived during external code execution

runtime: unknown pc 0x7ffc3a2b1f40
stack: frame={sp:0xc00010fc28, fp:0x0} stack=[0xc00010e000,0xc000110000)
0x000000c00010fb28:  0x0000000000000000  0x0000000000000000
0x000000c00010fb38:  0x000000c00010fb70  0x00000000004a1c05 <runtime.cgocall+0x45>
0x000000c00010fb48:  0x000000c00010fb98  0x0000000000000018
0x000000c00010fc28: <0x00007ffc3a2b1f40  0x000000c00010fd40
rax     0x0
rbx     0xc00010fd40
rcx     0x18
rdi     0x0
rsi     0xc00010fd80
rbp     0xc00010fc70
rsp     0xc00010fc28
r8      0x0
rip     0x7ffc3a2b1f40
rflags  0x10246
cs      0x33
fs      0x53
gs      0x2b

goroutine 1 [chan receive]:
testing.(*T).Run(0xc0000c4340, {0x6e4a1d?, 0x0?}, 0x70a2b8)
\tC:/Go/src/testing/testing.go:1649 +0x3c8
testing.runTests.func1(0x0?)
\tC:/Go/src/testing/testing.go:2054 +0x3e
testing.tRunner(0xc0000c4340, 0xc0000adc68)
\tC:/Go/src/testing/testing.go:1595 +0xff
testing.runTests(0xc0000a6140?, {0x8a5b40, 0x7, 0x7}, {0x0?, 0x0?, 0x8ad3e0?})
\tC:/Go/src/testing/testing.go:2052 +0x445
testing.(*M).Run(0xc0000a6140)
\tC:/Go/src/testing/testing.go:1925 +0x636
main.main()
\t_testmain.go:61 +0x1c5

goroutine 6 [syscall, locked to thread]:
syscall.SyscallN(0x7ffc3a2b1e10?, {0xc00010fd18?, 0x3?, 0x0?})
\tC:/Go/src/runtime/syscall_windows.go:544 +0x107
syscall.Syscall(0xc0000c4680?, 0x0?, 0x0?, 0x0?, 0x0?)
\tC:/Go/src/runtime/syscall_windows.go:482 +0x35
github.com/acme/usbagent/internal/winusb.(*Device).controlTransfer(0xc0000f2000, 0xc0, 0x51, 0x0, 0x0, {0xc000120000, 0x40, 0x40})
\tZ:/src/github.com/acme/usbagent/internal/winusb/device_windows.go:212 +0x1d2
github.com/acme/usbagent/internal/winusb.TestOpenDevice(0xc0000c4680)
\tZ:/src/github.com/acme/usbagent/internal/winusb/device_windows_test.go:48 +0x19a
testing.tRunner(0xc0000c4680, 0x70a2b8)
\tC:/Go/src/testing/testing.go:1595 +0xff
created by testing.(*T).Run in goroutine 1
\tC:/Go/src/testing/testing.go:1648 +0x3ad

goroutine 7 [select]:
github.com/acme/usbagent/internal/hotplug.(*Watcher).loop(0xc0000f4000)
\tZ:/src/github.com/acme/usbagent/internal/hotplug/watcher_windows.go:97 +0x15e
created by github.com/acme/usbagent/internal/hotplug.NewWatcher in goroutine 6
\tZ:/src/github.com/acme/usbagent/internal/hotplug/watcher_windows.go:61 +0x2b9

goroutine 8 [chan receive, locked to thread]:
github.com/acme/usbagent/internal/hotplug.(*Watcher).messagePump.func1(0xc0000f4000)
\tZ:/src/github.com/acme/usbagent/internal/hotplug/pump_windows.go:33 +0x6f
created by github.com/acme/usbagent/internal/hotplug.(*Watcher).messagePump in goroutine 7
\tZ:/src/github.com/acme/usbagent/internal/hotplug/pump_windows.go:29 +0x85

goroutine 9 [IO wait]:
internal/poll.runtime_pollWait(0x1e8c1a4f6c8, 0x72)
\tC:/Go/src/runtime/netpoll.go:343 +0x85
internal/poll.(*pollDesc).wait(0xc0000ae2a0?, 0xc0000c8000?, 0x0)
\tC:/Go/src/internal/poll/fd_poll_runtime.go:84 +0x27
internal/poll.execIO(0xc0000ae2a0, 0x715a10)
\tC:/Go/src/internal/poll/fd_windows.go:175 +0xe6
internal/poll.(*FD).Read(0xc0000ae288, {0xc0000c8000, 0x1000, 0x1000})
\tC:/Go/src/internal/poll/fd_windows.go:436 +0x2b1
net.(*netFD).Read(0xc0000ae288, {0xc0000c8000?, 0x0?, 0x0?})
\tC:/Go/src/net/fd_posix.go:55 +0x25
net.(*conn).Read(0xc000090020, {0xc0000c8000?, 0x0?, 0x0?})
\tC:/Go/src/net/net.go:179 +0x45
bufio.(*Reader).fill(0xc0000a0120)
\tC:/Go/src/bufio/bufio.go:113 +0x103
bufio.(*Reader).ReadSlice(0xc0000a0120, 0xa)
\tC:/Go/src/bufio/bufio.go:379 +0x29
github.com/acme/usbagent/internal/rpc.(*Client).readLoop(0xc0000e8000)
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:140 +0x8a
created by github.com/acme/usbagent/internal/rpc.Dial in goroutine 6
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:71 +0x2f6

goroutine 10 [chan send]:
github.com/acme/usbagent/internal/rpc.(*Client).dispatch(0xc0000e8000, 0xc0000b8090)
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:188 +0x7d
created by github.com/acme/usbagent/internal/rpc.(*Client).readLoop in goroutine 9
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:152 +0x1a7

goroutine 11 [chan send]:
github.com/acme/usbagent/internal/rpc.(*Client).dispatch(0xc0000e8000, 0xc0000b80f0)
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:188 +0x7d
created by github.com/acme/usbagent/internal/rpc.(*Client).readLoop in goroutine 9
\tZ:/src/github.com/acme/usbagent/internal/rpc/client.go:152 +0x1a7

goroutine 12 [sleep]:
time.Sleep(0x3b9aca00)
\tC:/Go/src/runtime/time.go:195 +0x126
github.com/acme/usbagent/internal/telemetry.(*Reporter).tick(0xc0000d6000)
\tZ:/src/github.com/acme/usbagent/internal/telemetry/reporter.go:58 +0x3e
created by github.com/acme/usbagent/internal/telemetry.Start in goroutine 6
\tZ:/src/github.com/acme/usbagent/internal/telemetry/reporter.go:40 +0xd5

goroutine 13 [sync.Mutex.Lock]:
sync.runtime_SemacquireMutex(0xc0000f2024?, 0x0?, 0x1?)
\tC:/Go/src/runtime/sema.go:77 +0x25
sync.(*Mutex).lockSlow(0xc0000f2020)
\tC:/Go/src/sync/mutex.go:171 +0x15d
sync.(*Mutex).Lock(...)
\tC:/Go/src/sync/mutex.go:90
github.com/acme/usbagent/internal/winusb.(*Device).Close(0xc0000f2000)
\tZ:/src/github.com/acme/usbagent/internal/winusb/device_windows.go:301 +0x46
created by github.com/acme/usbagent/internal/hotplug.(*Watcher).onRemove in goroutine 7
\tZ:/src/github.com/acme/usbagent/internal/hotplug/watcher_windows.go:130 +0x9b

goroutine 14 [running]:
\tgoroutine running on other thread; stack unavailable
created by github.com/acme/usbagent/internal/telemetry.Start in goroutine 6
\tZ:/src/github.com/acme/usbagent/internal/telemetry/reporter.go:44 +0x125
exit status 2
FAIL\tgithub.com/acme/usbagent/internal/winusb\t0.412s
"""

# A console 100 columns wide whose copy is not padded: only the wrapped
# rows show the width.
SERVICE = """\
C:\\agent> agent.exe -config Z:/deploy/agent.toml
time=2024-05-14T10:22:31.004+02:00 level=INFO msg="agent started" pid=6120
time=2024-05-14T10:22:35.551+02:00 level=INFO msg="stack dump requested"
goroutine 1 [chan receive, 3 minutes]:
main.main()
\tZ:/work/agent/cmd/agent/main.go:92 +0x4a5

goroutine 18 [select, 3 minutes]:
github.com/acme/agent/internal/supervisor.(*Supervisor).watchChildren(0xc0001a4000, {0x14b2c48, 0xc0001b0000})
\tZ:/work/agent/internal/supervisor/supervisor.go:210 +0x1f8
created by github.com/acme/agent/internal/supervisor.(*Supervisor).Start in goroutine 1
\tZ:/work/agent/internal/supervisor/supervisor.go:88 +0x1c5

goroutine 19 [IO wait, 3 minutes]:
internal/poll.runtime_pollWait(0x24f1e1c0e38, 0x72)
\tC:/Program Files/Go/src/runtime/netpoll.go:345 +0x85
internal/poll.(*pollDesc).wait(0xc0001ba2a0?, 0x0?, 0x0)
\tC:/Program Files/Go/src/internal/poll/fd_poll_runtime.go:84 +0x27
internal/poll.execIO(0xc0001ba2a0, 0xc0000fde58)
\tC:/Program Files/Go/src/internal/poll/fd_windows.go:175 +0xe6
internal/poll.(*FD).acceptOne(0xc0001ba288, 0x2a4, {0xc0001c20f0?, 0xc0000fdf38?, 0x13a8f05?}, 0xc0000fdf6c?)
\tC:/Program Files/Go/src/internal/poll/fd_windows.go:944 +0x67
internal/poll.(*FD).Accept(0xc0001ba288, 0xc0000fdf18)
\tC:/Program Files/Go/src/internal/poll/fd_windows.go:978 +0x1bc
github.com/acme/agent/internal/control.(*Server).acceptLoop(0xc0001c0000)
\tZ:/work/agent/internal/control/server.go:57 +0x52
created by github.com/acme/agent/internal/control.Listen in goroutine 1
\tZ:/work/agent/internal/control/server.go:41 +0x2e5

goroutine 20 [chan send, 2 minutes]:
github.com/acme/agent-supervisor.(*childProcess).waitExit.func1()
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.2/child_windows.go:133 +0x66
created by github.com/acme/agent-supervisor.(*childProcess).waitExit in goroutine 18
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.2/child_windows.go:128 +0x10b

goroutine 21 [chan send, 2 minutes]:
github.com/acme/agent-supervisor.(*childProcess).waitExit.func1()
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.2/child_windows.go:133 +0x66
created by github.com/acme/agent-supervisor.(*childProcess).waitExit in goroutine 18
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.2/child_windows.go:128 +0x10b

goroutine 22 [chan send, 2 minutes]:
github.com/acme/agent-supervisor.(*childProcess).waitExit.func1()
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.3-0.20240301120000-abcdef012345/child_windows.go:133 +0x66
created by github.com/acme/agent-supervisor.(*childProcess).waitExit in goroutine 18
\tC:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@v0.14.3-0.20240301120000-abcdef012345/child_windows.go:128 +0x10b
time=2024-05-14T10:22:35.560+02:00 level=INFO msg="stack dump written" goroutines=6
"""


def wrap(text, width, pad, crlf):
    rows = []
    for line in text.split("\n")[:-1]:
        line = line.replace("\t", " " * 8)
        parts = [line[i:i + width] for i in range(0, len(line), width)] or [""]
        for p in parts:
            rows.append(p.ljust(width) if pad else p)
    nl = "\r\n" if crlf else "\n"
    return nl.join(rows) + nl


with open("windows-console-padded-80.txt", "w", newline="") as f:
    f.write(wrap(AGENT, 80, pad=True, crlf=True))
with open("windows-console-wrapped-100.txt", "w", newline="") as f:
    f.write(wrap(SERVICE, 100, pad=False, crlf=True))

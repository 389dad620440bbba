/**
 * `perf script` samples become the profile's call frames: JIT frames by name and file, the kernel
 * and native code by symbol, V8's collector by its profile name; the main thread's samples go by
 * the profile's rules, other threads' by what they run (the compiler, the compaction worker).
 */
import { describe, expect, it } from 'vitest'
import { categorizeSample, parsePerfScript } from '../src/perf-breakdown.js'

const SCRIPT = `node  4174 18668.868726:     500250 cpu-clock:ppp:
	ffffffff8a2b1c40 pvm_irq_enable+0x10 ([kernel.kallsyms])
	ffffffff8a2b1c50 do_syscall_64+0x40 ([kernel.kallsyms])
	7f0e3c1a2b3c __GI___libc_write+0x1c (/usr/lib/x86_64-linux-gnu/libc.so.6)
	55d0c1f2a000 node::StreamBase::WriteBuffer+0x30 (/usr/bin/node)
	3a7f1c0e2f10 JS:*writeGeneric node:internal/stream_base_commons:148:22+0x60 (/tmp/perf-4174.map)
	3a7f1c0e3f10 JS:*Socket._write node:net:969:35+0x20 (/tmp/perf-4174.map)
	3a7f1c0e4f10 JS:*deliver file:///srv/packages/server/dist/rooms/room.js:418:12+0x90 (/tmp/perf-4174.map)

node  4174 18668.869226:     500250 cpu-clock:ppp:
	55d0c1f3b000 v8::internal::Scavenger::ScavengeObject+0x10 (/usr/bin/node)
	55d0c1f3c000 v8::internal::Heap::Scavenge+0x20 (/usr/bin/node)

node  4177 18668.869726:     500250 cpu-clock:ppp:
	55d0c1f4d000 v8::internal::compiler::PipelineImpl::OptimizeGraph+0x10 (/usr/bin/node)

node  4186 18668.870226:     500250 cpu-clock:ppp:
	3a7f1c0e5f10 JS:^integrate file:///srv/node_modules/.pnpm/yjs@13/node_modules/yjs/dist/yjs.mjs:9910:13+0x10 (/tmp/perf-4174.map)
	3a7f1c0e6f10 JS:^compactUpdates file:///srv/packages/server/dist/storage/compact.js:9:1+0x10 (/tmp/perf-4174.map)

node  4178 18668.870726:     500250 cpu-clock:ppp:
	55d0c1f5e000 v8::internal::ConcurrentMarking::RunMajor+0x10 (/usr/bin/node)

node  4174 18668.871226:     500250 cpu-clock:ppp:
	7f0e3c1a3b3c epoll_pwait+0x1c (/usr/lib/x86_64-linux-gnu/libc.so.6)
	55d0c1f6f000 uv_run+0x30 (/usr/bin/node)
`

describe('perf-breakdown', () => {
  const samples = parsePerfScript(SCRIPT)

  it('reads every sample with its thread and frames, leaf first', () => {
    expect(samples.map(({ tid }) => tid)).toEqual([4174, 4174, 4177, 4186, 4178, 4174])
    expect(samples[0]!.frames[0]).toEqual({ functionName: 'pvm_irq_enable', url: '', lineNumber: -1 })
    expect(samples[0]!.frames[4]).toEqual({ functionName: 'writeGeneric', url: 'node:internal/stream_base_commons', lineNumber: 147 })
    expect(samples[0]!.frames[6]).toEqual({ functionName: 'deliver', url: 'file:///srv/packages/server/dist/rooms/room.js', lineNumber: 417 })
  })

  it('gives the main thread the profile rules and other threads what they run', () => {
    expect(samples.map((sample) => categorizeSample(sample, 4174))).toEqual([
      'framing and socket writes',
      'GC',
      "V8's optimizing compiler (its threads)",
      'compaction (worker thread)',
      'GC and other helper threads',
      'event loop (libuv, epoll: no JavaScript on the stack)',
    ])
  })
})

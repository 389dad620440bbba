/**
 * nginx in front of several Cowrite instances, as docs/self-hosting.md sets it up: a consistent
 * hash of the room a URI names, so a room's WebSockets and SSE streams land on one instance, the upgrade headers
 * passed on, SSE unbuffered, and a failed instance routed around. Debian's nginx, its own prefix
 * directory, started on a free loopback port and stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

const NGINX = '/usr/sbin/nginx'

/**
 * The `http {}` body docs/self-hosting.md documents: `upstreams` are `HOST:PORT` of the
 * instances. The same text the tests run, so the documented setup is the tested one.
 */
export function cowriteNginxConfig(listen: string, upstreams: readonly string[]): string {
  return `map $http_upgrade $connection_upgrade {
  default upgrade;
  ''      close;
}

# The room a request is about: its WebSocket (/<room>), its API and SSE routes (/api/rooms/<room>/…)
# and its editor page (/r/<room>) all hash alike, so a room's traffic lands on one instance.
map $uri $cowrite_room {
  ~^/api/rooms/(?<room>[^/]+)  $room;
  ~^/r/(?<page>[^/]+)          $page;
  ~^/(?<socket>[^/]+)$         $socket;
  default                      $uri;
}

upstream cowrite {
  # A room's sockets and streams land on one instance, so nothing crosses to another; when that
  # instance is down, the next one in the ring takes its rooms.
  hash $cowrite_room consistent;
${upstreams.map((upstream) => `  server ${upstream} max_fails=1 fail_timeout=5s;`).join('\n')}
}

server {
  listen ${listen};

  location / {
    proxy_pass http://cowrite;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    # SSE: every event as soon as it is written (the server also sends X-Accel-Buffering: no).
    proxy_buffering off;
    proxy_read_timeout 1h;
    proxy_next_upstream error timeout http_502 http_503;
    proxy_connect_timeout 2s;
  }
}
`
}

export interface Nginx {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

/** Start nginx in front of `upstreams` (`HOST:PORT`); resolves once it accepts connections. */
export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} not found: install it with \`apt-get install -y nginx\``)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'cowrite-nginx-'))
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${cowriteNginxConfig(`127.0.0.1:${port}`, upstreams)
  .split('\n')
  .map((line) => (line ? `  ${line}` : line))
  .join('\n')}
}
`,
  )
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${readLog(dir)}`)
    if (await accepts(port)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`nginx not listening on ${port} within 10 s: ${stderr}${readLog(dir)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function readLog(dir: string): string {
  const path = join(dir, 'error.log')
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

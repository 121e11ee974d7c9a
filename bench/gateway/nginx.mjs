// Starts nginx as the reference proxy: one process, the same weighted split,
// keep-alive connections to the upstreams, no access log.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function findNginx() {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export function nginxConfig({ dir, port, primaryPort, canaryPort, canaryWeight }) {
  const servers = [`server 127.0.0.1:${primaryPort} weight=${100 - canaryWeight};`];
  if (canaryWeight > 0) servers.push(`server 127.0.0.1:${canaryPort} weight=${canaryWeight};`);
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  upstream model {
    ${servers.join('\n    ')}
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
}

export function startNginx(binary, options) {
  mkdirSync(options.dir, { recursive: true });
  const conf = join(options.dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(options));
  return spawn(binary, ['-p', options.dir, '-c', conf, '-e', join(options.dir, 'error.log')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

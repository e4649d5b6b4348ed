// Records real HARs with Playwright (npm playwright-core) driving Debian's Chromium:
// a page on www.example-health.test reached through a redirect from example-health.test,
// loading a script from a CDN host, calling an API host and a tracker pixel. Every name
// resolves to 127.0.0.1 (Chromium's --host-resolver-rules), served by the HTTPS server
// below: no packet leaves the machine. Run by make-captures.sh.
//
//   node record-har.mjs OUT.har CERT.pem KEY.pem
import https from 'node:https';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const [out, certFile, keyFile] = process.argv.slice(2);
const port = 8453;
const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
  const host = (req.headers.host || '').split(':')[0];
  if (host === 'example-health.test') {
    res.writeHead(301, { Location: `https://www.example-health.test:${port}/start` });
    return res.end();
  }
  if (req.url === '/start') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end(`<!doctype html><title>Steps: your health diary</title>
<script src="https://cdn.example-cdn.test:${port}/app.js"></script>
<img src="https://tracker.example-ads.test:${port}/pixel.gif">`);
  }
  if (req.url === '/app.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Access-Control-Allow-Origin': '*' });
    return res.end(`fetch("https://api.example-health.test:${port}/v1/steps").then(r => r.text()).then(t => document.title += " " + t.length);`);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
  res.end('{"ok":true}');
});
await new Promise(r => server.listen(port, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--host-resolver-rules=MAP * 127.0.0.1', '--no-sandbox', '--disable-background-networking'],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, recordHar: { path: out } });
const page = await context.newPage();
await page.goto(`https://example-health.test:${port}/`);
await page.waitForFunction(() => document.title.includes(' '), null, { timeout: 10000 }).catch(() => {});
await page.waitForLoadState('networkidle');
await context.close();
await browser.close();
server.close();

// Runs every case of cases.json through LoopBack's own REST connector
// (loopback-connector-rest 5.0.5 on loopback-datasource-juggler 3.36.1, pinned by
// package-lock.json) against a recording stub, and prints what it saw as JSON:
// {case: {requests: [{method, url, headers, body}], result | error}}.
// tests/rest_differential.rs compares lb's connector with this output (recorded.json).
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const {DataSource} = require('loopback-datasource-juggler');
const rest = require('loopback-connector-rest');

// headers that depend on the connection, not on the connector's choices
const IGNORED = new Set(['host', 'connection', 'content-length']);

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'cases.json'), 'utf8')).cases;

function stub() {
  const state = {requests: [], replies: []};
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const headers = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i].toLowerCase();
        if (IGNORED.has(k)) continue;
        headers[k] = headers[k] === undefined ? req.rawHeaders[i + 1] :
          headers[k] + ', ' + req.rawHeaders[i + 1];
      }
      state.requests.push({method: req.method, url: req.url, headers, body: body || null});
      const reply = state.replies.shift() || {status: 200, type: 'application/json', body: '{}'};
      res.writeHead(reply.status || 200, {'content-type': reply.type || 'application/json'});
      res.end(reply.body === undefined ? '' : reply.body);
    });
  });
  return {server, state};
}

function substitute(v, base) {
  return JSON.parse(JSON.stringify(v).split('{{STUB}}').join(base));
}

// a JSON view of what a call gave (JSON cannot hold undefined or functions)
function plain(v) {
  if (v === undefined) return null;
  return JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'number' && !isFinite(x) ? String(x) : x)));
}

async function run(c, base, state) {
  state.requests = [];
  state.replies = (c.replies || []).slice();
  const settings = substitute(c.datasource, base);
  const call = c.call;
  try {
    const ds = new DataSource(rest, settings);
    let result;
    if (call.function) {
      result = await ds[call.function](...(call.args || []));
    } else if (call.invoke) {
      result = await ds.invoke(call.invoke);
    } else if (call.model) {
      const M = ds.createModel(call.model.name, call.model.properties || {}, call.model.settings || {});
      const args = call.args || [];
      if (call.instance !== undefined) {
        const found = await M.findById(call.instance);
        result = await found[call.method](...args);
      } else {
        result = await M[call.method](...args);
      }
      if (result && typeof result.toJSON === 'function') result = result.toJSON();
      if (Array.isArray(result)) result = result.map((r) => (r && r.toJSON ? r.toJSON() : r));
    }
    return {requests: state.requests, result: plain(result)};
  } catch (e) {
    return {
      requests: state.requests,
      error: {statusCode: e.statusCode || e.status || null, message: String(e.message)},
    };
  }
}

(async () => {
  const {server, state} = stub();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = 'http://127.0.0.1:' + server.address().port;
  const out = {};
  for (const c of cases) {
    const seen = await run(c, base, state);
    out[c.name] = JSON.parse(JSON.stringify(seen).split(base).join('{{STUB}}'));
  }
  server.close();
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

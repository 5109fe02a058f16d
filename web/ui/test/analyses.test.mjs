// Browser tests of the map's analyses (issue 13, "Analyses and map"): what the map paints for
// townships with and without a coverage value, that every painted choropleth colour is a legend
// colour, the siting form's fields per objective, and that a siting answer is called met only
// when its official indicator is. Run by test/run.sh (make uitest) like map.test.mjs; expected
// values come from civplan's HTTP API and the legend's definition here, never from the page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.CIVPLAN_URL;
const OUT = process.env.TEST_OUTPUT || join(tmpdir(), 'civplan-ui-output');
if (!BASE) throw new Error('CIVPLAN_URL is not set: run the tests through web/ui/test/run.sh (make uitest)');
mkdirSync(OUT, { recursive: true });

const COUNTY = '420526'; // 兴山县, Yichang
// The legend: coverage classes against the target (met, ≤ 10 points below, 10–20 below, more),
// and "no data", each drawn at OPACITY over BACKGROUND — as map.test.mjs has them.
const CLASSES = [[0, [0x1a, 0x98, 0x50]], [-0.1, [0xfe, 0xe0, 0x8b]], [-0.2, [0xfc, 0x8d, 0x59]], [-Infinity, [0xd7, 0x30, 0x27]]];
const NONE = [0xcf, 0xca, 0xbd];
const OPACITY = 0.6;
const BACKGROUND = [0xe9, 0xed, 0xf0];
const painted = (c) => c.map((v, i) => Math.round(BACKGROUND[i] * (1 - OPACITY) + v * OPACITY));
// classColour is the legend colour of a coverage ratio against its target (no data when either is null).
function classColour(ratio, target) {
  if (ratio == null || target == null) return painted(NONE);
  return painted(CLASSES.find(([d]) => ratio - target >= d - 1e-12)[1]);
}
const MET = classColour(1, 0.8);
const diff = (a, b) => Math.max(...[0, 1, 2].map((i) => Math.abs(a[i] - b[i])));
const hex = (c) => '#' + c.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('');

async function apiPost(path, body) {
  const r = await fetch(BASE + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, `POST ${path} → ${r.status}`);
  return r.json();
}
async function apiGet(path) {
  const r = await fetch(BASE + path);
  assert.equal(r.status, 200, `GET ${path} → ${r.status}`);
  return r.json();
}

let ctx, page, profile;
async function ready(p) {
  await p.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(p);
}
async function idle(p) {
  await p.waitForFunction(() => { const m = window.civplanUI.map; return m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 60000, polling: 200 });
  await p.waitForTimeout(400);
}

// fillPixels screenshots the page and returns, on a grid over the map, the pixels where only
// the choropleth is drawn (no line, symbol, circle or other fill within 4 px, nothing of the
// page above the canvas) with the county and township there; and the colours of the first
// five legend swatches (the four classes and "no data") read from the same screenshot.
async function fillPixels(p, step = 16) {
  const png = (await p.screenshot()).toString('base64');
  return p.evaluate(async ([b64, step]) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const cv = document.createElement('canvas'); cv.width = img.width; cv.height = img.height;
    const g = cv.getContext('2d', { willReadFrequently: true }); g.drawImage(img, 0, 0);
    const at = (x, y) => [...g.getImageData(Math.round(x), Math.round(y), 1, 1).data];
    const legend = [...document.querySelectorAll('#legend .sw')].slice(0, 5).map((sw) => {
      const r = sw.getBoundingClientRect(); return at(r.left + r.width / 2, r.top + r.height / 2);
    });
    const m = window.civplanUI.map, canvas = m.getCanvas(), box = canvas.getBoundingClientRect();
    const pts = [];
    for (let y = 10; y < box.height - 10; y += step) {
      for (let x = 10; x < box.width - 10; x += step) {
        const fs = m.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]]);
        if (!fs.length || fs.some((f) => f.layer.id !== 'county-fill' && f.layer.id !== 'township-fill')) continue;
        const counties = [...new Set(fs.filter((f) => f.layer.id === 'county-fill').map((f) => f.properties.code))];
        const towns = [...new Set(fs.filter((f) => f.layer.id === 'township-fill').map((f) => f.properties.code))];
        if (counties.length !== 1 || towns.length > 1) continue;
        if (document.elementFromPoint(box.left + x, box.top + y) !== canvas) continue;
        pts.push({ x, y, county: counties[0], town: towns[0] || null, rgba: at(box.left + x, box.top + y) });
      }
    }
    return { legend, pts };
  }, [png, step]);
}

// selectCounty selects 兴山县 through the search box (unless it is selected) and waits for its
// townships' coverage.
async function selectCounty(p) {
  if (await p.evaluate((c) => window.civplanUI.division?.properties.code === c, COUNTY + '000000')) return;
  await p.fill('#search', '兴山');
  await p.waitForSelector('#search-results li');
  await p.keyboard.press('ArrowDown');
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => /兴山县/.test(document.querySelector('#sc-title').textContent));
  await p.waitForSelector('#children-table tbody tr');
}

// zoomToCounty selects 兴山县 and shows it with its neighbours at zoom 8.6, where townships are painted.
async function zoomToCounty(p) {
  await selectCounty(p);
  await p.evaluate((c) => window.civplanUI.map.jumpTo({ center: c, zoom: 8.6 }), [110.75, 31.25]);
  await idle(p);
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'civplan-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN',
  });
  page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(60000);
  await page.goto(BASE + '/');
  await ready(page);
});
after(async () => {
  if (ctx) await ctx.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('analyses and map', () => {
  test('6: every colour the choropleth paints is a legend colour, at county and at township zoom', async () => {
    await page.evaluate(() => window.civplanUI.map.jumpTo({ center: [112.3, 31.0], zoom: 5.8 }));
    await idle(page);
    const province = await fillPixels(page, 12);
    await zoomToCounty(page);
    const towns = await fillPixels(page);
    await page.screenshot({ path: join(OUT, '06-township-zoom.png') });
    for (const [name, view] of [['province', province], ['township zoom', towns]]) {
      assert.equal(view.legend.length, 5, 'the legend has four classes and "no data"');
      assert.ok(view.pts.length >= 100, `${name}: ${view.pts.length} choropleth-only pixels sampled`);
      const off = view.pts.filter((p) => Math.min(...view.legend.map((c) => diff(p.rgba, c))) > 6);
      assert.deepEqual(off.slice(0, 5).map((p) => `${hex(p.rgba)} at ${p.x},${p.y} (${p.town || p.county})`), [],
        `${name}: ${off.length} of ${view.pts.length} pixels have a colour the legend does not show (${view.legend.map(hex)})`);
    }
    // The swatches are the legend's classes as the map paints them.
    const expectLegend = [...CLASSES.map(([, c]) => painted(c)), painted(NONE)];
    province.legend.forEach((c, i) => assert.ok(diff(c, expectLegend[i]) <= 3, `legend swatch ${i} is ${hex(c)}, the map paints ${hex(expectLegend[i])}`));
  });

  test('7: townships outside the analysis are never painted met; the selected county\'s townships show their own class', async () => {
    await zoomToCounty(page);
    const towns = (await apiGet(`/api/v1/coverage?kind=mutual_aid_elderly&division=${COUNTY}&group_by=township`)).coverage.groups;
    const counties = (await apiGet('/api/v1/coverage?kind=mutual_aid_elderly&division=42&group_by=county')).coverage.groups;
    const townColour = new Map(towns.map((g) => [g.code, classColour(g.ratio, g.target)]));
    const countyColour = new Map(counties.map((g) => [g.code, classColour(g.ratio, g.target)]));
    const { pts } = await fillPixels(page, 12);
    const inside = pts.filter((p) => p.town && townColour.has(p.town));
    const outside = pts.filter((p) => p.town && !townColour.has(p.town));
    assert.ok(inside.length >= 30, `${inside.length} pixels on 兴山县's townships`);
    // The neighbours sampled must include counties that are not met, or "never met" proves nothing.
    const notMet = outside.filter((p) => diff(countyColour.get(p.county), MET) > 6);
    assert.ok(notMet.length >= 30, `${notMet.length} pixels on townships of neighbouring counties that are not met (of ${outside.length})`);
    const wrong = [];
    for (const p of inside) if (diff(p.rgba, townColour.get(p.town)) > 6) wrong.push(`${p.town} ${hex(p.rgba)} want ${hex(townColour.get(p.town))}`);
    for (const p of outside) {
      const want = countyColour.get(p.county);
      assert.ok(want, `county ${p.county} has a coverage class`);
      if (diff(p.rgba, want) > 6) wrong.push(`${p.town} (county ${p.county}) ${hex(p.rgba)} want its county's ${hex(want)}`);
    }
    assert.deepEqual(wrong.slice(0, 8), [], `${wrong.length} of ${pts.length} pixels in the wrong colour`);
    assert.deepEqual(notMet.filter((p) => diff(p.rgba, MET) <= 6).map((p) => p.town), [], 'no township without a coverage value is painted met');
  });

  test('8: the siting form shows only the fields of the chosen objective and sends only those', async () => {
    await selectCounty(page); // siting needs a county
    await page.click('#tab-siting');
    const want = { mclp: { p: true, target: false, weight: true }, lscp: { p: false, target: true, weight: true }, pcenter: { p: true, target: false, weight: false } };
    for (const [objective, fields] of Object.entries(want)) {
      await page.selectOption('#siting-objective', objective);
      const shown = {};
      for (const f of Object.keys(fields)) shown[f] = await page.isVisible(`#siting-${f}`);
      assert.deepEqual(shown, fields, `fields shown for ${objective}`);
      const box = await page.$eval('#siting-target', (e) => e.getBoundingClientRect().toJSON());
      assert.equal(box.width > 0, fields.target, `${objective}: the target input ${fields.target ? 'has' : 'takes no'} room`);
    }
    // What is sent: the fields shown, nothing hidden.
    const sent = [];
    await page.route('**/api/v1/siting', (route) => {
      sent.push(route.request().postDataJSON());
      return route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ title: 'stubbed', status: 503, detail: 'stubbed by the test' }) });
    });
    for (const [i, objective] of Object.keys(want).entries()) {
      await page.selectOption('#siting-objective', objective);
      await page.click('#siting-run');
      for (let waited = 0; sent.length < i + 1; waited += 50) {
        assert.ok(waited < 30000, `no siting request for ${objective}`);
        await page.waitForTimeout(50);
      }
    }
    await page.unroute('**/api/v1/siting');
    assert.deepEqual(sent.map((b) => [b.objective, 'p' in b, 'target' in b, 'weight' in b]),
      Object.entries(want).map(([o, f]) => [o, f.p, f.target, f.weight]));
  });

  // runStubbed runs an LSCP siting for 兴山县 whose real answer is changed: optimal, with the
  // given official indicator (in "siting", where the API puts it).
  async function runStubbed(indicator) {
    await page.route('**/api/v1/siting', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.siting.optimal = true;
      body.siting.indicator = indicator;
      await route.fulfill({ response: res, json: body });
    });
    try {
      await page.selectOption('#siting-objective', 'lscp');
      await page.fill('#siting-target', '80');
      await page.evaluate(() => { document.querySelector('#siting-result').replaceChildren(); });
      await page.click('#siting-run');
      await page.waitForSelector('#siting-summary, #pane-siting .err:not([hidden])');
      assert.equal(await page.$eval('#pane-siting .err', (e) => (e.hidden ? '' : e.textContent)), '', 'siting answered');
    } finally { await page.unroute('**/api/v1/siting'); }
    // Colours of every piece of text in the summary, and of the optimality statement.
    return page.evaluate(() => {
      const s = document.querySelector('#siting-summary');
      const ok = getComputedStyle(document.documentElement).getPropertyValue('--ok').trim();
      const probe = document.createElement('span'); probe.style.color = ok; document.body.append(probe);
      const green = getComputedStyle(probe).color; probe.remove();
      const texts = [...s.querySelectorAll('*')].filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
      const opt = [...s.querySelectorAll('*')].find((e) => /已证明最优/.test(e.textContent) && !e.children.length);
      return {
        green, greenTexts: texts.filter((e) => getComputedStyle(e).color === green).map((e) => e.textContent.trim()),
        yes: s.querySelectorAll('.met-yes').length, no: s.querySelectorAll('.met-no').length,
        badge: s.querySelector('.met-yes, .met-no')?.textContent || '', text: s.textContent,
        optimal: opt ? { text: opt.textContent, color: getComputedStyle(opt).color } : null,
      };
    });
  }

  test('9: a siting answer is shown met (green) only when the official indicator is met; "proven optimal" stays neutral', async () => {
    await selectCounty(page);
    await page.click('#tab-siting');
    const notMet = await runStubbed({ name: 'village_committee_share', value: 0.761, target: 0.8, met: false });
    assert.ok(notMet.optimal, `the summary says "proven optimal": ${notMet.text}`);
    assert.notEqual(notMet.optimal.color, notMet.green, '"proven optimal" is not green');
    assert.equal(notMet.yes, 0, 'no "met" badge');
    assert.equal(notMet.no, 1, `one "not met" badge: ${notMet.text}`);
    assert.equal(notMet.badge, '未达标');
    assert.match(notMet.text, /76\.1%/, 'the indicator value is shown');
    assert.match(notMet.text, /80\.0%/, 'the indicator target is shown');
    assert.deepEqual(notMet.greenTexts, [], 'nothing is green when the indicator is not met');
    await page.screenshot({ path: join(OUT, '09-siting-not-met.png') });

    const met = await runStubbed({ name: 'village_committee_share', value: 0.825, target: 0.8, met: true });
    assert.equal(met.yes, 1, `one "met" badge: ${met.text}`);
    assert.equal(met.no, 0);
    assert.equal(met.badge, '达标');
    assert.ok(met.greenTexts.includes('达标'), `the met badge is green (${met.greenTexts})`);
    assert.notEqual(met.optimal && met.optimal.color, met.green, '"proven optimal" is not green');
  });

  test('10: against the real API, the siting summary says met exactly when the answer\'s indicator is met', async () => {
    await selectCounty(page);
    await page.click('#tab-siting');
    const seen = [];
    // LSCP to 80 % of the village committees reaches its target; one MCLP site leaves 兴山县 below it.
    for (const [objective, field, value] of [['lscp', '#siting-target', '80'], ['mclp', '#siting-p', '1']]) {
      await page.selectOption('#siting-objective', objective);
      await page.fill(field, value);
      await page.evaluate(() => { document.querySelector('#siting-result').replaceChildren(); });
      const [req] = await Promise.all([page.waitForRequest('**/api/v1/siting'), page.click('#siting-run')]);
      await page.waitForSelector('#siting-summary, #pane-siting .err:not([hidden])');
      assert.equal(await page.$eval('#pane-siting .err', (e) => (e.hidden ? '' : e.textContent)), '', `${objective} answered`);
      const ind = (await apiPost('/api/v1/siting', req.postDataJSON())).siting.indicator;
      assert.equal(ind.name, 'village_committee_share');
      const ui = await page.evaluate(() => {
        const s = document.querySelector('#siting-summary');
        return { yes: s.querySelectorAll('.met-yes').length, no: s.querySelectorAll('.met-no').length, met: s.querySelector('#siting-indicator')?.dataset.met, text: s.textContent };
      });
      assert.deepEqual([ui.yes, ui.no, ui.met], ind.met ? [1, 0, 'true'] : [0, 1, 'false'], `${objective}: indicator ${JSON.stringify(ind)}, page: ${ui.text}`);
      assert.ok(ui.text.includes((ind.value * 100).toFixed(1) + '%'), `${objective}: the page shows the indicator ${(ind.value * 100).toFixed(1)}%`);
      seen.push(ind.met);
    }
    assert.deepEqual(seen, [true, false], 'one answer meets the indicator and one does not');
  });
});

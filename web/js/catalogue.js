// The exam office's requirement catalogue editor (R3, R4): the materials asked for nationally, per
// exam region and per site (a level may add a material, change it, or no longer ask for one it
// inherits), each change a new version (new registrations take it, an application keeps its own);
// sample pictures through a presigned POST; a preview of the candidate's page for a region, site and
// household region, built by the API from the page's own code.

import { confirmDialog } from './confirm.js';
import { fmtTime, h, replace } from './dom.js';
import { extend, pick, t } from './i18n.js';
import { showError, toast } from './shell.js';
import { postToS3 } from './upload.js';

extend({
  zh: {
    catalogue: '材料要求目录', versionN: '第 {n} 版', changedBy: '{by} 于 {at} 修改', scope: '范围', national: '全国',
    regionN: '考区 {code} {name}', siteN: '考点 {code} {name}', materialsHere: '本范围要求的材料', addMaterial: '新增材料',
    code: '材料代码', nameZh: '名称(中文)', nameEnLabel: '名称(英文)', descZh: '说明(中文)', descEn: '说明(英文,可选)',
    minCount: '最少张数', maxCount: '最多张数', appliesTo: '适用考生', everyone: '全部考生',
    notLocal: '仅外地户籍考生(户籍不在本考区)', localOnly: '仅本地户籍考生', keepCondition: '保持原条件',
    samplePicture: '示例图片', sampleHint: 'PNG 或 JPG,不超过 200KB', sampleUploaded: '示例图片已上传',
    sampleTooLarge: '示例图片不能超过 200KB,请先压缩。', save: '保存', cancel: '取消', edit: '编辑',
    changeIt: '修改', catRemove: '不再要求', removeTitle: '不再要求“{name}”?',
    removeBody: '{scope}的新报名将不再要求这项材料;已报名的考生不受影响(按其报名时的版本)。', catSaved: '已保存为第 {n} 版:新报名按新要求,已报名的不受影响',
    from: '来源', fromNational: '全国', fromRegion: '考区', fromSite: '考点', thisLevel: '本级', counts: '张数',
    condition: '条件', conditionNotIn: '户籍不在 {codes}', conditionIn: '户籍在 {codes}', dropped: '本级已不再要求',
    preview: '考生页面预览', previewHint: '按考区、考点和户籍所在地,显示考生上传页面上的材料(空白)。',
    catHousehold: '户籍所在地', showPreview: '预览', catHistory: '修改记录', action_put: '设置', action_delete: '不再要求',
    action_seed: '初始版本', action_publish: '整体发布', required: '必传', optional: '选传', sample: '示例图片', noSample: '无示例图片',
    editing: '编辑 {name}', newMaterial: '新增材料(本范围)', versionOf: '版本',
  },
  en: {
    catalogue: 'Requirement catalogue', versionN: 'version {n}', changedBy: 'changed by {by} at {at}', scope: 'Scope',
    national: 'National', regionN: 'Region {code} {name}', siteN: 'Site {code} {name}', materialsHere: 'Materials asked for here',
    addMaterial: 'Add a material', code: 'Material code', nameZh: 'Name (Chinese)', nameEnLabel: 'Name (English)',
    descZh: 'Description (Chinese)', descEn: 'Description (English, optional)', minCount: 'At least', maxCount: 'At most',
    appliesTo: 'Applies to', everyone: 'every candidate', notLocal: 'non-local candidates only (household registration elsewhere)',
    localOnly: 'local candidates only', keepCondition: 'keep the condition', samplePicture: 'Sample picture',
    sampleHint: 'PNG or JPG, at most 200 KB', sampleUploaded: 'Sample picture uploaded',
    sampleTooLarge: 'A sample picture must be at most 200 KB: compress it first.', save: 'Save', cancel: 'Cancel',
    edit: 'Edit', changeIt: 'Change', catRemove: 'No longer ask', removeTitle: 'No longer ask for “{name}”?',
    removeBody: 'New registrations in {scope} will no longer be asked for it; existing applications keep the version they registered under.',
    catSaved: 'Saved as version {n}: new registrations take it, existing applications keep theirs', from: 'From',
    fromNational: 'national', fromRegion: 'region', fromSite: 'site', thisLevel: 'this level', counts: 'Images',
    condition: 'Condition', conditionNotIn: 'household not in {codes}', conditionIn: 'household in {codes}',
    dropped: 'no longer asked for here', preview: "Preview of the candidate's page",
    previewHint: "The materials of the candidate's upload page (empty) for a region, site and household region.",
    catHousehold: 'Household region', showPreview: 'Preview', catHistory: 'History', action_put: 'set', action_delete: 'no longer asked',
    action_seed: 'first version', action_publish: 'published', required: 'Required', optional: 'Optional', sample: 'Sample',
    noSample: 'no sample', editing: 'Editing {name}', newMaterial: 'New material (this scope)', versionOf: 'Version',
  },
});

const MAX_SAMPLE_BYTES = 200 * 1024;
const state = { api: null, root: null, cat: null, scope: 'national', form: null, history: [], preview: null };

/** The scope's levels, national first: [kind, materials]. */
function levels(cat, scope) {
  const [kind, code] = scope.split('-');
  const out = [['national', cat.national]];
  if (kind === 'region') out.push(['region', cat.regions[code]?.materials || {}]);
  if (kind === 'site') {
    const site = cat.sites[code];
    out.push(['region', cat.regions[site.region]?.materials || {}], ['site', site.materials || {}]);
  }
  return out;
}

/** What the scope asks for (the catalogue's merge: a level's entry over the one above, null removes). */
export function effective(cat, scope) {
  const all = levels(cat, scope);
  const own = all[all.length - 1][1];
  return Object.keys(cat.materialTypes).map((type) => {
    let spec = null;
    let from = null;
    for (const [kind, materials] of all) {
      if (!(type in materials)) continue;
      spec = materials[type] === null ? null : { ...(spec || {}), ...materials[type] };
      from = materials[type] === null ? null : kind;
    }
    return { type, spec: spec && { ...cat.materialTypes[type], ...spec }, from, own: type in own, dropped: own[type] === null };
  }).filter((row) => row.spec || row.dropped);
}

function regionOf(scope) {
  const [kind, code] = scope.split('-');
  if (kind === 'region') return code;
  if (kind === 'site') return state.cat.sites[code]?.region;
  return null;
}

function conditionText(when) {
  if (!when) return t('everyone');
  const parts = [];
  if (when.householdRegionNotIn) parts.push(t('conditionNotIn', { codes: when.householdRegionNotIn.join('、') }));
  if (when.householdRegionIn) parts.push(t('conditionIn', { codes: when.householdRegionIn.join('、') }));
  return parts.join(';');
}

async function load() {
  const [cat, history] = await Promise.all([state.api.get('/catalogue'), state.api.get('/catalogue/versions?limit=20')]);
  Object.assign(state, { cat, history: history.items });
}

function scopeOptions() {
  const cat = state.cat;
  return [['national', t('national')],
    ...Object.entries(cat.regions).map(([code, r]) => [`region-${code}`, t('regionN', { code, name: r.name })]),
    ...Object.entries(cat.sites).map(([code, s]) => [`site-${code}`, `\u3000${t('siteN', { code, name: s.name })}`])];
}

function materialsTable() {
  const rows = effective(state.cat, state.scope);
  const fromLabel = { national: t('fromNational'), region: t('fromRegion'), site: t('fromSite') };
  return h('div', { class: 'table-scroll' }, h('table', { class: 'catalogue-table' },
    h('thead', {}, h('tr', {}, [t('materialsHere'), t('counts'), t('condition'), t('from'), t('changeIt')].map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((row) => h('tr', { 'data-type': row.type, class: row.dropped ? 'dropped' : '' },
      h('td', {}, h('strong', {}, row.spec ? pick(row.spec, 'name') : row.type), ' ', h('code', { class: 'muted' }, row.type),
        row.dropped ? h('div', { class: 'muted' }, t('dropped')) : null),
      h('td', {}, row.spec ? `${row.spec.minCount}–${row.spec.maxCount}` : ''),
      h('td', {}, row.spec ? conditionText(row.spec.when) : ''),
      h('td', {}, row.from ? fromLabel[row.from] : '', row.own ? h('span', { class: 'badge' }, t('thisLevel')) : null),
      h('td', { class: 'row-actions' }, row.spec ? [
        h('button', { type: 'button', onclick: () => openForm(row) }, t('edit')),
        h('button', { type: 'button', class: 'danger', 'data-remove': row.type, onclick: () => removeMaterial(row) },
          t('catRemove'))] : null))))));
}

function openForm(row = null) {
  const spec = row?.spec || {};
  state.form = {
    type: row?.type || '', isNew: !row, name: spec.name || '', nameEn: spec.nameEn || '', description: spec.description || '',
    descriptionEn: spec.descriptionEn && spec.descriptionEn !== spec.description ? spec.descriptionEn : '',
    minCount: spec.minCount ?? 1, maxCount: spec.maxCount ?? 1, when: spec.when || null, condition: spec.when ? 'keep' : 'all',
    sample: null, sampleName: spec.sample || null, preview: null,
  };
  render();
  state.root.querySelector('#material-form input:not([readonly])')?.focus();
}

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function materialForm() {
  const f = state.form;
  if (!f) return null;
  const bind = (key, cast = (v) => v) => (e) => { f[key] = cast(e.target.value); };
  const region = regionOf(state.scope);
  const conditions = [['all', t('everyone')], ...(region ? [['notLocal', t('notLocal')], ['local', t('localOnly')]] : []),
    ...(f.when ? [['keep', `${t('keepCondition')}:${conditionText(f.when)}`]] : [])];
  return h('form', { id: 'material-form', class: 'card material-form', onsubmit: saveMaterial },
    h('h3', {}, f.isNew ? t('newMaterial') : t('editing', { name: f.name })),
    h('div', { class: 'form-grid' },
      field(t('code'), h('input', { name: 'type', required: true, pattern: '[a-z][a-z0-9_]{0,39}', value: f.type, readonly: !f.isNew,
        oninput: bind('type') })),
      field(t('nameZh'), h('input', { name: 'name', required: true, maxlength: '40', value: f.name, oninput: bind('name') })),
      field(t('nameEnLabel'), h('input', { name: 'nameEn', required: true, maxlength: '80', value: f.nameEn, oninput: bind('nameEn') })),
      field(t('minCount'), h('input', { name: 'minCount', type: 'number', min: '0', max: '10', required: true, value: String(f.minCount),
        oninput: bind('minCount', Number) })),
      field(t('maxCount'), h('input', { name: 'maxCount', type: 'number', min: '1', max: '10', required: true, value: String(f.maxCount),
        oninput: bind('maxCount', Number) })),
      field(t('appliesTo'), h('select', { name: 'condition', onchange: bind('condition') },
        conditions.map(([value, text]) => h('option', { value, selected: f.condition === value }, text)))),
      field(t('descZh'), h('textarea', { name: 'description', required: true, maxlength: '500', rows: '2', oninput: bind('description') },
        f.description)),
      field(t('descEn'), h('textarea', { name: 'descriptionEn', maxlength: '500', rows: '2', oninput: bind('descriptionEn') },
        f.descriptionEn)),
      field(`${t('samplePicture')} (${t('sampleHint')})`, h('input', {
        name: 'sample', type: 'file', accept: 'image/png,image/jpeg', onchange: (e) => uploadSample(e.target.files[0]) })),
      f.preview ? h('figure', { class: 'tile sample sample-new' }, h('img', { src: f.preview, alt: t('sampleUploaded') }),
        h('figcaption', {}, t('sampleUploaded'))) : null),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', class: 'ghost', onclick: () => { state.form = null; render(); } }, t('cancel'))));
}

async function uploadSample(file) {
  const f = state.form;
  if (!file || !f) return;
  if (file.size > MAX_SAMPLE_BYTES) {
    toast(t('sampleTooLarge'));
    return;
  }
  try {
    const type = f.type || 'sample';
    const slot = await state.api.post(`/catalogue/samples/${encodeURIComponent(type)}`, { contentType: file.type === 'image/png' ? 'image/png' : 'image/jpeg' });
    await postToS3(slot.upload, file, file.name);
    Object.assign(f, { sample: slot.sample, preview: URL.createObjectURL(file) });
    render();
  } catch (e) { showError(e); }
}

function condition(f) {
  const region = regionOf(state.scope);
  if (f.condition === 'notLocal' && region) return { householdRegionNotIn: [region] };
  if (f.condition === 'local' && region) return { householdRegionIn: [region] };
  if (f.condition === 'keep') return f.when;
  return null;
}

async function saveMaterial(e) {
  e.preventDefault();
  const f = state.form;
  const body = {
    name: f.name, nameEn: f.nameEn, description: f.description, minCount: f.minCount, maxCount: f.maxCount,
    ...(f.descriptionEn ? { descriptionEn: f.descriptionEn } : {}), ...(condition(f) ? { when: condition(f) } : {}),
    ...(f.sample || f.sampleName ? { sample: f.sample || f.sampleName } : {}),
  };
  try {
    const done = await state.api.put(`/catalogue/${state.scope}/materials/${encodeURIComponent(f.type)}`, body);
    state.form = null;
    toast(t('catSaved', { n: done.version }), 'info');
    await refresh();
  } catch (err) { showError(err); }
}

/** Asks first (confirm.js), naming the material and the scope: new registrations lose it. */
async function removeMaterial(row) {
  const type = row.type;
  const scope = scopeOptions().find(([value]) => value === state.scope)?.[1].trim() || state.scope;
  if (!await confirmDialog({ title: t('removeTitle', { name: pick(row.spec, 'name') }), body: t('removeBody', { scope }),
    yes: t('catRemove') })) return;
  try {
    const done = await state.api.del(`/catalogue/${state.scope}/materials/${encodeURIComponent(type)}`);
    toast(t('catSaved', { n: done.version }), 'info');
    await refresh();
  } catch (err) { showError(err); }
}

async function refresh() {
  await load();
  render();
  if (state.preview) await showPreview(state.preview.query);
}

// ------------------------------------------------------------------ the candidate's page, previewed
function previewForm() {
  const cat = state.cat;
  const q = state.preview?.query || (() => {
    const [site, s] = Object.entries(cat.sites)[0] || [];
    return { region: s?.region || '', site: site || '', householdRegion: s?.region || '' };
  })();
  const sites = Object.entries(cat.sites).filter(([, s]) => s.region === q.region);
  const change = (key) => (e) => {
    const next = { ...q, [key]: e.target.value };
    if (key === 'region') Object.assign(next, { site: Object.entries(cat.sites).find(([, s]) => s.region === next.region)?.[0] || '', householdRegion: next.region });
    state.preview = { ...(state.preview || {}), query: next };
    render();
  };
  state.preview = { ...(state.preview || {}), query: q };
  return h('form', { class: 'search preview-form', onsubmit: (e) => { e.preventDefault(); showPreview(q); } },
    h('label', {}, `${t('region')} `, h('select', { name: 'region', onchange: change('region') },
      Object.entries(cat.regions).map(([code, r]) => h('option', { value: code, selected: code === q.region }, `${code} ${r.name}`)))),
    h('label', {}, `${t('site')} `, h('select', { name: 'site', onchange: change('site') },
      sites.map(([code, s]) => h('option', { value: code, selected: code === q.site }, `${code} ${s.name}`)))),
    h('label', {}, `${t('catHousehold')} `, h('select', { name: 'householdRegion', onchange: change('householdRegion') },
      Object.entries(cat.householdRegions).map(([code, name]) => h('option', { value: code, selected: code === q.householdRegion }, `${code} ${name}`)))),
    h('button', { type: 'submit', class: 'primary' }, t('showPreview')));
}

async function showPreview(query) {
  try {
    const qs = new URLSearchParams(query).toString();
    state.preview = { query, page: await state.api.get(`/catalogue/preview?${qs}`) };
  } catch (e) { showError(e); }
  render();
}

/** The material cards as the candidate's upload page shows them, nothing uploaded yet. */
function previewPage(page) {
  if (!page) return null;
  return h('div', { class: 'preview-page', 'aria-label': t('preview') },
    h('p', { class: 'muted' }, `${page.regionName || page.region} · ${page.siteName || page.site} · ${t('catHousehold')} ${page.householdRegion} · ${t('versionN', { n: page.version })}`),
    page.materials.map((m) => h('section', { class: 'card material', 'data-type': m.type },
      h('div', { class: 'card-head' },
        h('h2', {}, pick(m, 'name'), h('span', { class: `badge ${m.required ? 'req' : ''}` }, m.required ? t('required') : t('optional'))),
        h('span', { class: 'count' }, `0/${m.maxCount}`)),
      h('p', { class: 'desc' }, pick(m, 'description')),
      h('div', { class: 'tiles' },
        m.sampleImageUrl ? h('figure', { class: 'tile sample' }, h('img', { src: m.sampleImageUrl, alt: `${t('sample')}: ${pick(m, 'name')}` }),
          h('figcaption', {}, t('sample'))) : h('p', { class: 'muted' }, t('noSample')),
        h('div', { class: 'tile add', 'aria-hidden': 'true' }, h('span', { class: 'plus' }, '+'))))));
}

function historyList() {
  return h('details', { class: 'history-list' }, h('summary', {}, t('catHistory')),
    h('ol', {}, state.history.map((v) => h('li', { 'data-version': String(v.version) },
      h('strong', {}, t('versionN', { n: v.version })), ` · ${v.by} · ${fmtTime(v.at)} · `,
      t(`action_${v.change.action}`), v.change.scope ? ` ${v.change.scope} / ${v.change.type}` : ''))));
}

function render() {
  const cat = state.cat;
  if (!cat) return;
  replace(state.root,
    h('p', { class: 'muted catalogue-version' }, h('strong', {}, t('versionN', { n: cat.version })), ' · ',
      t('changedBy', { by: cat.changedBy, at: fmtTime(cat.changedAt) })),
    h('div', { class: 'chart-tools' },
      h('label', {}, `${t('scope')} `, h('select', {
        id: 'catalogue-scope', onchange: (e) => { Object.assign(state, { scope: e.target.value, form: null }); render(); },
      }, scopeOptions().map(([value, text]) => h('option', { value, selected: value === state.scope }, text)))),
      h('button', { type: 'button', class: 'primary', id: 'add-material', onclick: () => openForm() }, `+ ${t('addMaterial')}`)),
    materialsTable(),
    materialForm(),
    historyList(),
    h('h3', {}, t('preview')), h('p', { class: 'muted' }, t('previewHint')),
    previewForm(),
    previewPage(state.preview?.page));
}

/** The editor, in `container` (office.js loads this module when the office page opens). */
export async function catalogueEditor(api, container) {
  Object.assign(state, { api, root: container });
  await load();
  render();
  await showPreview(state.preview.query);
}

/** Drawn again in the page's language. */
export function rerender() { render(); }

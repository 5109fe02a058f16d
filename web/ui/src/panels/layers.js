// The layers panel: toggles for the map's layer groups and for each facility kind.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { kindName, t } from '../i18n.js';
import { KINDS } from '../kinds.js';
import { drawIcon, KIND_STYLE, LAYER_GROUPS } from '../style.js';
import { setFacilityVisible } from '../map.js';

export function renderLayerToggles() {
  const map = S.map;
  const fs = $('#layer-toggles'); fs.replaceChildren(el('legend', {}, t('layers')));
  for (const [key, ids] of LAYER_GROUPS) {
    const on = map.getLayer(ids[0]) ? map.getLayoutProperty(ids[0], 'visibility') !== 'none' : true;
    fs.append(el('label', {}, el('input', { type: 'checkbox', checked: on, 'data-layer': key,
      onchange: (e) => ids.forEach((id) => map.getLayer(id) && map.setLayoutProperty(id, 'visibility', e.target.checked ? 'visible' : 'none')) }), ' ', t(key)));
  }
}

export function renderFacilityToggles() {
  const fs = $('#facility-toggles'); fs.replaceChildren(el('legend', {}, t('facilities')));
  for (const [k] of KINDS) {
    const [shape, color] = KIND_STYLE[k];
    const icon = el('canvas', { width: 22, height: 22, 'aria-hidden': 'true', style: 'vertical-align:middle' });
    icon.getContext('2d').putImageData(drawIcon(shape, color), 0, 0);
    fs.append(el('label', {}, el('input', { type: 'checkbox', checked: S.facVisible.has(k), 'data-kind': k, onchange: (e) => setFacilityVisible(k, e.target.checked) }), ' ', icon, ' ', kindName(k)));
  }
}

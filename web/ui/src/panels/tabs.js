// The panel tabs (ARIA tab pattern: click, arrow keys, Home, End).
import { listScenarios } from './scenarios.js';

export function bindTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    tabs.forEach((b) => { const on = b === tab; b.setAttribute('aria-selected', String(on)); b.tabIndex = on ? 0 : -1; document.getElementById(b.getAttribute('aria-controls')).hidden = !on; });
    if (focus) tab.focus();
    if (tab.id === 'tab-scenario') listScenarios();
  };
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => select(b));
    b.addEventListener('keydown', (e) => {
      const k = e.key, n = tabs.length;
      if (k === 'ArrowRight' || k === 'ArrowLeft') { e.preventDefault(); select(tabs[(i + (k === 'ArrowRight' ? 1 : n - 1)) % n], true); }
      if (k === 'Home') { e.preventDefault(); select(tabs[0], true); }
      if (k === 'End') { e.preventDefault(); select(tabs[n - 1], true); }
    });
  });
}

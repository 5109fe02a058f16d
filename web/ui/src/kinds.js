// The facility kinds, division levels and provenance words the API uses (names are in i18n/*.json).

// KINDS lists each facility kind with the level of unit one facility serves.
export const KINDS = [
  ['mutual_aid_elderly', 'village'], ['welfare_home', 'township'], ['regional_care_center', 'township'],
  ['disability_care_center', 'county'], ['community_service_center', 'village'], ['public_cemetery', 'village'],
  ['funeral_home', 'county'], ['marriage_registry', 'county'],
];
export const LEVELS = ['province', 'prefecture', 'county', 'township', 'village'];
export const PROV = ['real', 'derived', 'estimated', 'generated'];

// short is the 2/4/6/9/12-digit form of a 12-digit code (the level's own digits); other input unchanged.
export function short(code) {
  const c = String(code || '');
  if (c.length !== 12) return c;
  for (const [zeros, keep] of [[10, 2], [8, 4], [6, 6], [3, 9]]) if (c.endsWith('0'.repeat(zeros))) return c.slice(0, keep);
  return c;
}

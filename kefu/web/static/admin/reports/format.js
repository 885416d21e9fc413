/* Numbers, shares and durations as the report shows them; "—" where there is nothing to measure. */
import { tr } from "./i18n.js";

export const DASH = "—";

export function pct(x) {
  return x === null || x === undefined ? DASH : `${(x * 100).toFixed(1)}%`;
}

export function num(x) {
  return x === null || x === undefined ? DASH : Number(x).toLocaleString("en-US");
}

export function secs(x) {
  if (x === null || x === undefined) return DASH;
  if (x < 60) return `${Math.round(x)}s`;
  if (x < 3600) return `${Math.floor(x / 60)}m ${Math.round(x % 60)}s`;
  return `${Math.floor(x / 3600)}h ${Math.round((x % 3600) / 60)}m`;
}

export function channelName(key) {
  const s = tr(`rep.channel.${key}`);
  return s === `rep.channel.${key}` ? key : s;
}

export function topicName(key) {
  if (!key) return tr("rep.none");
  if (key.startsWith("flow:")) return window.KefuAdmin.intentName(key.slice(5));
  return key.slice("category:".length) || tr("rep.none");
}

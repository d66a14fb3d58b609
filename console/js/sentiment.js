// The customer's sentiment as an icon and a word, never colour alone: on request cards, in the
// conversation's header (with its trend in words), on each scored customer message.

import { h } from "./dom.js";
import { customerName } from "./customer.js";

const ICONS = { positive: "🙂", neutral: "😐", mixed: "😕", negative: "😠" };
const TRENDS = { improving: "improving", steady: "steady", worsening: "worsening" };

/**
 * `{label, icon, word}` for a view's `sentiment`, or null when there is nothing to say (absent,
 * not scored yet, or a message with no text). A language the scorer does not know reads "Not assessed".
 */
export function sentimentWords(sentiment) {
  if (!sentiment || typeof sentiment !== "object" || sentiment.reason === "no_text") return null;
  if (sentiment.reason === "language_unsupported") return { label: "unassessed", icon: "❔", word: "Not assessed" };
  const label = sentiment.label;
  if (!ICONS[label]) return null;
  return { label, icon: ICONS[label], word: label[0].toUpperCase() + label.slice(1) };
}

/** The rolling trend in words ("worsening"), or null. */
export function trendWord(trend) {
  return TRENDS[trend] ?? null;
}

/** The words after the icon: "Negative, worsening" (with a trend), "Neutral", or null before a score. */
export function sentimentText(sentiment, trend = null) {
  const words = sentimentWords(sentiment);
  const t = trendWord(trend);
  return words && (t ? `${words.word}, ${t}` : words.word);
}

/** The badge: the icon hidden from screen readers, "Sentiment:" read (or shown: `visibleLabel`) before the words. */
export function sentimentBadge(sentiment, { trend = null, visibleLabel = false } = {}) {
  const words = sentimentWords(sentiment);
  if (!words) return null;
  return h(
    "span",
    { class: `sentiment ${words.label}`, dataset: { sentiment: words.label } },
    h("span", { class: visibleLabel ? "sentiment-label" : "visually-hidden" }, "Sentiment: "),
    h("span", { "aria-hidden": "true" }, words.icon),
    " ",
    sentimentText(sentiment, trend),
  );
}

/** The notice of `conversation.sentiment_negative`: "The conversation with Zoë has turned negative (worsening)." */
export function negativeText(event) {
  const t = trendWord(event?.sentiment_trend);
  return `The conversation with ${customerName(event?.customer ?? {})} has turned negative${t ? ` (${t})` : ""}.`;
}

// How a customer is named on cards, rows and the summary.

/** "+44 7700 900123"-style display of `whatsapp:+447700900123`: the E.164 number. */
export function phoneNumber(address) {
  return (address ?? "").replace(/^whatsapp:/, "");
}

/** The name agents know the customer by: a contact's name, else the WhatsApp profile name, else the number. */
export function customerName(customer) {
  return customer?.display_name || customer?.profile_name || phoneNumber(customer?.address);
}

/** "Authenticated customer" for a known contact, else "Unauthenticated customer". */
export function customerKind(customer) {
  return customer?.authenticated ? "Authenticated customer" : "Unauthenticated customer";
}

/** "From ad: headline" for a conversation that began with a click-to-WhatsApp ad (its headline, else its text). */
export function adText(ad) {
  const what = ad?.headline || ad?.body;
  return what ? `From ad: ${what}` : null;
}

/** The ad's link when it is an absolute http(s) address (never `javascript:` or `data:`), else null. */
export function adLink(ad) {
  const raw = ad?.source_url;
  if (typeof raw !== "string") return null;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

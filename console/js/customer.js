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

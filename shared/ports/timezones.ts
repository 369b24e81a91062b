/**
 * The IANA zones a phone number's country or area code lies in (contract "Calling windows": a
 * recipient without its own `timezone` gets the zones of its number). Several zones when the area
 * spans them (the window must then be open in all); [] when the data says nothing about the number.
 *
 * Synchronous: the data is loaded once per process on first use (≈ 100 KB, ~15 ms), then each lookup
 * is a handful of map reads, cheap enough for every recipient of a 1,000-row create.
 */
export interface PhoneTimezones {
  /** `e164` is a canonical E.164 number (`+14155551234`). */
  zonesForPhone(e164: string): string[];
}

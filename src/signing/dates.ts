import type { Language } from './messages';

// Intl.Locale lists a region's time zones as `timeZones` (Node 20) or `getTimeZones()` (newer engines).
type LocaleWithZones = Intl.Locale & { timeZones?: string[]; getTimeZones?: () => string[] };

/** `UTC+09:00`, `UTC-03:30`, `UTC+00:00`: the offset of a time zone at an instant. */
export function utcOffset(timeZone: string, at: Date): string {
  const name = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  return name === 'GMT' ? 'UTC+00:00' : name.replace('GMT', 'UTC'); // some ICU versions write no offset as bare "GMT"
}

/**
 * The time zone dates are shown in for a country: its own when all of its zones
 * have one offset at that instant (DE, KR), else UTC (US, AU, an unknown code).
 */
export function timeZoneOf(country: string, at: Date): string {
  let zones: string[] = [];
  try {
    const locale = new Intl.Locale('und', { region: country.trim().toUpperCase() }) as LocaleWithZones;
    zones = locale.getTimeZones?.() ?? locale.timeZones ?? [];
  } catch {
    return 'UTC';
  }
  if (zones.length === 0) return 'UTC';
  return new Set(zones.map((zone) => utcOffset(zone, at))).size === 1 ? zones[0] : 'UTC';
}

// Node's Korean data writes afternoons as "PM"; the 24-hour clock reads naturally in Korean.
const HOUR_CYCLE: Readonly<Record<string, 'h23'>> = { ko: 'h23' };

/** An instant as a person of this language and country reads it, with the UTC offset stated: `7. Dezember 2026 um 15:30 (UTC+01:00)`. */
export function formatInstant(at: Date, language: Language, country: string): string {
  const timeZone = timeZoneOf(country, at);
  const text = new Intl.DateTimeFormat(language.locale, { dateStyle: 'long', timeStyle: 'short', timeZone, hourCycle: HOUR_CYCLE[language.code] }).format(at);
  return `${text} (${utcOffset(timeZone, at)})`;
}

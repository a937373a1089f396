import { latestBegunDate } from '../shared/calendar';
import { DomainError, ErrorCode } from '../shared/errors';

export { latestBegunDate };

/** `dateAgreed` (YYYY-MM-DD) may not be after today in UTC+14: DATE_IN_FUTURE. */
export function checkNotInFuture(dateAgreed: string, now: Date, field: string): void {
  const latest = latestBegunDate(now);
  if (dateAgreed > latest) {
    throw new DomainError(
      ErrorCode.DATE_IN_FUTURE,
      `${field}: ${dateAgreed} has not begun anywhere yet (the latest date on Earth is ${latest}).`,
      field,
    );
  }
}

/** `dateAgreed` may not be before the template's effective date: DATE_BEFORE_EFFECTIVE. */
export function checkNotBeforeEffective(dateAgreed: string, effectiveDate: string, field: string): void {
  if (dateAgreed < effectiveDate) {
    throw new DomainError(
      ErrorCode.DATE_BEFORE_EFFECTIVE,
      `${field}: ${dateAgreed} is before the agreement version's effective date ${effectiveDate}.`,
      field,
    );
  }
}

/** Both date rules for `dateAgreed`. */
export function checkDateAgreed(dateAgreed: string, effectiveDate: string, now: Date, field: string): void {
  checkNotInFuture(dateAgreed, now, field);
  checkNotBeforeEffective(dateAgreed, effectiveDate, field);
}

import { badInput, DomainError, ErrorCode, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { AgreementType, type AgreementTemplate } from './agreement.entity';

/** Templates of a type, newest first, retired ones only when asked for. */
export const templatesOfType = (templates: readonly AgreementTemplate[], type: AgreementType, includeRetired: boolean) =>
  templates.filter((t) => t.type === type && (includeRetired || !t.retired));

/**
 * The template an acceptance is recorded against: the one named (NOT_FOUND when
 * unknown, TEMPLATE_RETIRED when retired), else the latest Microsoft Customer Agreement.
 */
export function templateToAccept(
  templates: readonly AgreementTemplate[],
  templateId: string | null | undefined,
  field: string,
  today: string,
): AgreementTemplate {
  if (templateId === null || templateId === undefined) {
    const latest = latestTemplate(templates, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, today);
    if (!latest) throw new DomainError(ErrorCode.NOT_FOUND, 'No Microsoft Customer Agreement version is published.', field);
    return latest;
  }
  requireId(templateId, field);
  const template = templates.find((t) => t.templateId === templateId);
  if (!template) throw notFound('Agreement template', templateId, field);
  if (template.retired) {
    throw new DomainError(
      ErrorCode.TEMPLATE_RETIRED,
      `${field}: agreement template ${templateId} is retired and no longer supported.`,
      field,
    );
  }
  return template;
}

/** What a request may say about the template it means, besides its id (Partner Center bodies state both). */
export interface TemplateStatement {
  type?: AgreementType | null;
  agreementLink?: string | null;
}

/**
 * A stated agreement type or link must be the template's own: an acceptance
 * is never recorded against a template other than the one the caller described.
 */
export function checkTemplateStatement(template: AgreementTemplate, stated: TemplateStatement, path: string): void {
  if (stated.type !== null && stated.type !== undefined && stated.type !== template.type) {
    throw badInput(`${path}.type`, `agreement template ${template.templateId} is a ${template.type}, not a ${stated.type}.`);
  }
  const link = stated.agreementLink?.trim();
  if (link !== undefined && link !== template.agreementLink) {
    throw badInput(`${path}.agreementLink`, `agreement template ${template.templateId} is published at ${template.agreementLink}.`);
  }
}

/**
 * The rule "the latest version of a type is its non-retired template of
 * highest rank in effect": one whose effective date has begun (`today`, UTC+14).
 */
export function latestTemplate(templates: readonly AgreementTemplate[], type: AgreementType, today: string): AgreementTemplate | null {
  let latest: AgreementTemplate | null = null;
  for (const template of templates) {
    if (template.type !== type || template.retired || template.effectiveDate > today) continue;
    if (!latest || template.versionRank > latest.versionRank) latest = template;
  }
  return latest;
}

/** The version that takes over from `latest` next: of higher rank, published to take effect later, the first to. */
export function nextVersion(
  templates: readonly AgreementTemplate[],
  type: AgreementType,
  latest: AgreementTemplate | null,
  today: string,
): AgreementTemplate | null {
  let next: AgreementTemplate | null = null;
  for (const template of templates) {
    if (template.type !== type || template.retired || template.effectiveDate <= today) continue;
    if (latest && template.versionRank <= latest.versionRank) continue;
    if (!next || template.effectiveDate < next.effectiveDate) next = template;
  }
  return next;
}

import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { AuditTrail1763800000000 } from './1763800000000-AuditTrail';
import { IdempotencyKeys1763800100000 } from './1763800100000-IdempotencyKeys';
import { CustomerCounts1763900000000 } from './1763900000000-CustomerCounts';
import { IdempotencyKeysPerUser1764000000000 } from './1764000000000-IdempotencyKeysPerUser';
import { ModelSchema1764100000000 } from './1764100000000-ModelSchema';
import { StatusCounts1764200000000 } from './1764200000000-StatusCounts';
import { LastSequence1764300000000 } from './1764300000000-LastSequence';
import { CurrentAcceptanceFacts1764400000000 } from './1764400000000-CurrentAcceptanceFacts';
import { ReacceptanceRules1764600000000 } from './1764600000000-ReacceptanceRules';
import { Notifications1764600000100 } from './1764600000100-Notifications';
import { AcceptanceRequests1764700000000 } from './1764700000000-AcceptanceRequests';
import { AgreementDocuments1764700000100 } from './1764700000100-AgreementDocuments';

/** Every migration, oldest first. */
export const migrations = [
  InitialSchema1763700000000,
  AuditTrail1763800000000,
  IdempotencyKeys1763800100000,
  CustomerCounts1763900000000,
  IdempotencyKeysPerUser1764000000000,
  ModelSchema1764100000000,
  StatusCounts1764200000000,
  LastSequence1764300000000,
  CurrentAcceptanceFacts1764400000000,
  ReacceptanceRules1764600000000,
  Notifications1764600000100,
  AcceptanceRequests1764700000000,
  AgreementDocuments1764700000100,
];

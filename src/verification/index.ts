export { verifyPdf, type VerifyPolicyOptions } from './verifyPdf.js';
export { PdfInputError, type PdfInputErrorCode } from './errors.js';
export type {
  VerifyOptions,
  VerificationReport,
  SignatureReport,
  Modification,
  Coverage,
  RegistryMatch,
  PadesLevel,
  Verdict,
  DocumentRegistry,
  RegisteredContract,
  ContractCheck,
  ModificationLevel,
  Permissions,
  RevocationSource,
  RevocationAnswer,
  CertificateInfo,
  Subject,
  Check,
} from './types.js';
export { MODIFICATION_POLICY, type Allowance } from './modificationPolicy.js';
export { VERDICT_RULES, type VerdictRule } from './verdictPolicy.js';

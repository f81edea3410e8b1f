export { loadTemplates, type FieldError, type SignerSpec, type Template, type TemplateRegistry } from './templateRegistry.js';
export { createDocumentRenderer, type DocumentRenderer, type Party, type RenderInput } from './renderer.js';
export { UnsupportedCharacterError, findUnsupportedCharacters } from './unsupportedCharacters.js';
export type { DocumentLayout, PageLayout, PlacedText, PlacedField } from './layout.js';
export { DEFAULT_MESSAGES, messageText, SMS_KINDS, type MessageContext, type SmsKind } from './templateMessages.js';

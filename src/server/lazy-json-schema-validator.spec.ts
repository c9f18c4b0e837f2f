import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { lazyJsonSchemaValidator } from './lazy-json-schema-validator.js';

const schema = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1 } },
  required: ['name'],
} as const;

describe('lazyJsonSchemaValidator', () => {
  it('validates as the SDK validator does', () => {
    const lazy = lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator()).getValidator(schema);
    const eager = new AjvJsonSchemaValidator().getValidator(schema);

    for (const input of [{ name: 'Ada' }, { name: '' }, {}, 'not an object']) {
      const [fromLazy, fromEager] = [lazy(input), eager(input)];
      expect(fromLazy).toEqual(fromEager);
    }
    expect(lazy({ name: 'Ada' })).toEqual({
      valid: true,
      data: { name: 'Ada' },
      errorMessage: undefined,
    });
    expect(lazy({}).valid).toBe(false);
    expect(lazy({}).errorMessage).toMatch(/name/);
  });

  it('keeps one Ajv validator per instance, reused for every schema it compiles', () => {
    const validator = lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator());
    const built: unknown[] = [];
    const original = AjvJsonSchemaValidator.prototype.getValidator;
    AjvJsonSchemaValidator.prototype.getValidator = function (this: AjvJsonSchemaValidator, s) {
      built.push(this);
      return original.call(this, s);
    } as typeof original;
    try {
      validator.getValidator(schema);
      validator.getValidator({ type: 'string' });
      lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator()).getValidator(schema);
    } finally {
      AjvJsonSchemaValidator.prototype.getValidator = original;
    }
    expect(built).toHaveLength(3);
    expect(built[0]).toBe(built[1]);
    expect(built[2]).not.toBe(built[0]);
  });
});

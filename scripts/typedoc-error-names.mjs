// @ts-check
/**
 * TypeDoc plugin: documents the plumbing every error class has, with one sentence each instead of a comment
 * on each class: the `name` property (`override readonly name = 'LockTimeoutError'`, which only repeats the
 * class name so that it survives minification) and a `[Symbol.hasInstance]` override (the brand check that
 * makes `instanceof` work across the ESM and CJS builds).
 */
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const property of context.project.getReflectionsByKind(ReflectionKind.Property)) {
      const owner = property.parent;
      if (property.name !== 'name' || property.comment || !owner?.kindOf(ReflectionKind.Class) || !owner.name.endsWith('Error')) continue;
      property.comment = new Comment([{ kind: 'text', text: `The class name, \`'${owner.name}'\`, also in minified code.` }]);
    }
    for (const signature of context.project.getReflectionsByKind(ReflectionKind.CallSignature)) {
      const owner = signature.parent?.parent;
      if (signature.name !== '[hasInstance]' || signature.comment || !owner?.kindOf(ReflectionKind.Class) || !owner.name.endsWith('Error')) continue;
      signature.comment = new Comment([{ kind: 'text', text: `True for a \`${owner.name}\` from either build (ESM or CJS) of this package.` }]);
    }
  });
}

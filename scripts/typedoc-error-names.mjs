// @ts-check
/**
 * TypeDoc plugin: documents the `name` property of every error class (`override readonly name =
 * 'LockTimeoutError'`) with one sentence, instead of a comment on each class. The property only repeats the
 * class name (so that it survives minification), and a comment per class would be noise in the source.
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
  });
}

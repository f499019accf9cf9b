/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers shared between the model library's files. */
#ifndef MODEL_INTERNAL_H
#define MODEL_INTERNAL_H

#include "model/object.h"

/* Applies API defaulting and the UID to o->json, then rebinds. */
int model_default_object(struct model_object *o);

/* Refreshes the cached identity pointers of @o from o->json. */
void model_object_rebind(struct model_object *o);

#include "proto/flotilla.pb-c.h"

/* Converts a toleration object to protobuf; NULL on ENOMEM. */
Flotilla__V1__Toleration *model_toleration_from_json(const json_t *t);

#endif /* MODEL_INTERNAL_H */

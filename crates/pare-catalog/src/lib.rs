//! The bundled AWS IAM action catalog: services, actions, resource types, condition keys.

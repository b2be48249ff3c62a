//! Filling a registration form for each screen (spec §11.2–§11.3): the strategies' "populate"
//! hydrators, in registry order (profile, password).

use super::RegistrationFlow;
use crate::config::RegistrationStyle;
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::{group, sort::sort_registration_nodes_with_order, values::set_values_from_traits};
use serde_json::Value;

/// Whether the two-step (`profile_first`) style is active (config already turns the deprecated
/// `enable_legacy_one_step` into `unified`).
pub fn two_step(reg: &Registry) -> bool {
    reg.config.selfservice.registration.style == RegistrationStyle::ProfileFirst
}

/// The initial screen: unified form, or the first (profile) screen of two-step registration.
pub fn populate_initial(
    reg: &Registry,
    flow: &mut RegistrationFlow,
    schema: &IdentitySchema,
    csrf: &str,
    traits: Option<&Value>,
) {
    let password_enabled = reg.config.selfservice.password.enabled;
    if two_step(reg) {
        // profile
        flow.ui.remove_matching(&nodes::back());
        flow.ui.set_csrf(csrf);
        flow.ui.upsert_all(schema.trait_nodes(group::DEFAULT));
        if let Some(t) = traits {
            set_values_from_traits(&mut flow.ui.nodes, t, group::DEFAULT);
        }
        flow.ui.nodes.push(nodes::profile_submit());
        // password
        if password_enabled {
            flow.ui.set_csrf(csrf);
            flow.ui.remove_matching(&nodes::password_input());
            flow.ui.remove_matching(&nodes::password_submit());
        }
    } else {
        flow.ui.set_csrf(csrf);
        flow.ui.upsert_all(schema.trait_nodes(group::DEFAULT));
        if password_enabled {
            if reg
                .config
                .selfservice
                .password
                .profile_registration_node_group
                == group::PASSWORD
            {
                flow.ui.upsert_all(schema.trait_nodes(group::PASSWORD));
            }
            flow.ui.set_csrf(csrf);
            flow.ui.upsert(nodes::password_input());
            flow.ui.upsert(nodes::password_submit());
        }
    }
    sort_registration_nodes_with_order(&mut flow.ui.nodes, &schema.key_order);
}

/// The second screen of two-step registration: hidden traits, then the credential inputs.
pub fn populate_credentials(
    reg: &Registry,
    flow: &mut RegistrationFlow,
    schema: &IdentitySchema,
    csrf: &str,
    traits: &Value,
) {
    // profile
    flow.ui.nodes.push(nodes::back());
    flow.ui.remove_matching(&nodes::profile_submit());
    for n in flow
        .ui
        .nodes
        .iter_mut()
        .filter(|n| n.group == group::DEFAULT && n.node_type == "input")
    {
        n.attributes.input_type = "hidden".into();
    }
    flow.ui.messages.push(messages::info_choose_credentials());
    // password
    if reg.config.selfservice.password.enabled {
        flow.ui.set_csrf(csrf);
        flow.ui.upsert(nodes::password_input());
        flow.ui.upsert(nodes::password_submit());
    }
    set_values_from_traits(&mut flow.ui.nodes, traits, group::DEFAULT);
    sort_registration_nodes_with_order(&mut flow.ui.nodes, &schema.key_order);
}

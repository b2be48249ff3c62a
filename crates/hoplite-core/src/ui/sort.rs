//! Registration node ordering (`ory/kratos: selfservice/flow/registration/sort.go`, `ui/node/node.go`).

use super::Node;
use super::gofmt::go_v;
use serde_json::Value;

/// Group ranks of `registration.SortNodes`; unknown groups rank -1 and so move to the front.
const GROUP_ORDER: [&str; 9] = [
    "oidc", "saml", "default", "webauthn", "passkey", "code", "password", "captcha", "profile",
];

/// Keys appended after the schema keys (`node.WebAuthnRemove`, `…RegisterDisplayName`, `…Register`).
const APPENDED_KEYS: [&str; 3] = [
    "webauthn_remove",
    "webauthn_register_displayname",
    "webauthn_register",
];

/// Sorts registration nodes as Kratos does (spec §11.6), keyed by the identity schema document.
pub fn sort_registration_nodes(nodes: &mut [Node], schema: &Value) {
    sort_registration_nodes_with_order(nodes, &registration_key_order(schema));
}

/// [`sort_registration_nodes`] with the schema's key order already computed
/// ([`registration_key_order`], kept on [`crate::schema::IdentitySchema::key_order`]).
pub fn sort_registration_nodes_with_order(nodes: &mut [Node], keys: &[String]) {
    sort_nodes(nodes, &GROUP_ORDER, keys);
}

/// Group ranks of `login.sortNodes`.
const LOGIN_GROUP_ORDER: [&str; 8] = [
    "oidc",
    "default",
    "webauthn",
    "passkey",
    "code",
    "password",
    "totp",
    "lookup_secret",
];

/// Sorts login nodes as Kratos does: its group order, then `csrf_token`, `identifier`, `password`.
pub fn sort_login_nodes(nodes: &mut [Node]) {
    let keys = ["csrf_token", "identifier", "password"].map(String::from);
    sort_nodes(nodes, &LOGIN_GROUP_ORDER, &keys);
}

/// Group ranks of `settings.sortNodes`.
const SETTINGS_GROUP_ORDER: [&str; 8] = [
    "default",
    "profile",
    "password",
    "oidc",
    "lookup_secret",
    "webauthn",
    "passkey",
    "totp",
];

/// Keys the settings sort appends after the schema's (lookup secrets, WebAuthn, passkeys, TOTP).
const SETTINGS_APPENDED_KEYS: [&str; 13] = [
    "lookup_secret_reveal",
    "lookup_secret_regenerate",
    "lookup_secret_codes",
    "lookup_secret_confirm",
    "webauthn_remove",
    "webauthn_register_displayname",
    "webauthn_register",
    "passkey_remove",
    "passkey_register",
    "totp_qr",
    "totp_secret_key",
    "totp_unlink",
    "totp_code",
];

/// The settings node order keys: the schema's leaf paths in document order, then the second
/// factors' node names (no `csrf_token`/`password` positions, unlike registration).
pub fn settings_key_order(schema: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    collect_keys(schema, &mut Vec::new(), &mut keys);
    keys.extend(SETTINGS_APPENDED_KEYS.iter().map(|k| k.to_string()));
    keys
}

/// Sorts settings nodes as Kratos does, keyed by [`settings_key_order`].
pub fn sort_settings_nodes(nodes: &mut [Node], keys: &[String]) {
    sort_nodes(nodes, &SETTINGS_GROUP_ORDER, keys);
}

/// Kratos's `Nodes.SortBySchema`: a stable sort by group rank (unknown groups first), then, among
/// nodes of one group (or of `default` and `password`), by the first key that prefixes the node's
/// name, then by printed value; `method` always last.
pub fn sort_nodes(nodes: &mut [Node], group_order: &[&str], keys: &[String]) {
    let total = nodes.len();
    let position = |node: &Node| -> usize {
        // Kratos keeps `method` last whatever the schema says.
        if node.name() == "method" {
            return total + keys.len() + 1;
        }
        keys.iter()
            .position(|k| node.name().starts_with(k.as_str()))
            .unwrap_or(keys.len())
    };

    let mut items: Vec<SortItem> = nodes
        .iter()
        .map(|n| SortItem {
            rank: group_order
                .iter()
                .position(|g| *g == n.group)
                .map_or(-1, |i| i as i64),
            position: position(n),
            value: go_v(n.attributes.value.as_ref()),
            node: n.clone(),
        })
        .collect();

    go_stable_sort(&mut items, &|a: &SortItem, b: &SortItem| a.rank < b.rank);
    go_stable_sort(&mut items, &|a: &SortItem, b: &SortItem| {
        let related = a.node.group == b.node.group
            || (a.node.group == "default" && b.node.group == "password")
            || (a.node.group == "password" && b.node.group == "default");
        if !related {
            return false;
        }
        if a.position != b.position {
            return a.position < b.position;
        }
        a.value < b.value
    });

    for (slot, item) in nodes.iter_mut().zip(items) {
        *slot = item.node;
    }
}

struct SortItem {
    rank: i64,
    position: usize,
    value: String,
    node: Node,
}

/// The leaf paths of the raw schema document in document order (`schema.GetKeysInOrder`), run
/// through `PasswordLoginOrder` and followed by the WebAuthn keys.
pub fn registration_key_order(schema: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    collect_keys(schema, &mut Vec::new(), &mut keys);
    let mut ordered = vec!["csrf_token".to_string()];
    let mut rest = keys.into_iter();
    if let Some(first) = rest.next() {
        ordered.push(first);
    }
    ordered.push("password".into());
    ordered.extend(rest);
    ordered.extend(APPENDED_KEYS.iter().map(|k| k.to_string()));
    ordered
}

fn collect_keys(schema: &Value, parents: &mut Vec<String>, out: &mut Vec<String>) {
    // Kratos reads the document with gjson: only a literal `"type": "object"` descends, and a
    // non-object root yields the empty key (a prefix of every name).
    if schema.get("type").and_then(Value::as_str) == Some("object") {
        if let Some(Value::Object(props)) = schema.get("properties") {
            for (name, sub) in props {
                parents.push(name.replace('.', "\\."));
                collect_keys(sub, parents, out);
                parents.pop();
            }
        }
    } else {
        out.push(parents.join("."));
    }
}

/// Go's `sort.SliceStable`: insertion sort over blocks of 20, then SymMerge passes. Kratos's
/// comparator is not a strict weak order, so only this exact algorithm reproduces its output.
pub fn go_stable_sort<T>(data: &mut [T], less: &dyn Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, less);
    while block < n {
        a = 0;
        b = 2 * block;
        while b <= n {
            sym_merge(data, a, a + block, b, less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &dyn Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &dyn Fn(&T, &T) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i.saturating_sub(1) {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(data, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

fn rotate<T>(data: &mut [T], a: usize, m: usize, b: usize) {
    let mut i = m - a;
    let mut j = b - m;
    while i != j {
        if i > j {
            swap_range(data, m - i, m, j);
            i -= j;
        } else {
            swap_range(data, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(data, m - i, m, i);
}

fn swap_range<T>(data: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        data.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quickstart() -> Value {
        serde_json::from_str(include_str!(
            "../../../../../shared/reference/example-identity.schema.json"
        ))
        .unwrap()
    }

    fn node(group: &str, name: &str, value: Option<Value>) -> Node {
        let mut n = Node::input(group, name, "text");
        n.attributes.value = value;
        n
    }

    fn names(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| format!("{}:{}", n.group, n.name()))
            .collect()
    }

    #[test]
    fn key_order_follows_document_and_password_rule() {
        assert_eq!(
            registration_key_order(&quickstart()),
            vec![
                "csrf_token",
                "traits.email",
                "password",
                "traits.name.first",
                "traits.name.last",
                "webauthn_remove",
                "webauthn_register_displayname",
                "webauthn_register"
            ]
        );
        let single = json!({"type": "object", "properties": {"traits": {"type": "object", "properties": {"a.b": {"type": "string"}}}}});
        assert_eq!(
            registration_key_order(&single)[..3],
            ["csrf_token", "traits.a\\.b", "password"]
        );
    }

    #[test]
    fn unified_form_puts_password_after_first_trait() {
        let mut nodes = vec![
            node("default", "csrf_token", Some(json!(""))),
            node("default", "traits.email", None),
            node("default", "traits.name.first", None),
            node("default", "traits.name.last", None),
            node("password", "password", None),
            node("password", "method", Some(json!("password"))),
        ];
        sort_registration_nodes(&mut nodes, &quickstart());
        assert_eq!(
            names(&nodes),
            vec![
                "default:csrf_token",
                "default:traits.email",
                "password:password",
                "default:traits.name.first",
                "default:traits.name.last",
                "password:method"
            ]
        );
    }

    #[test]
    fn second_screen_matches_kratos() {
        // Appended in the order the strategies produce them (§11.3, second screen).
        let mut nodes = vec![
            node("default", "csrf_token", Some(json!("x"))),
            node("default", "traits.email", Some(json!("a@b.c"))),
            node("default", "traits.name.first", None),
            node("default", "traits.name.last", None),
            node("profile", "screen", Some(json!("previous"))),
            node("password", "password", None),
            node("password", "method", Some(json!("password"))),
        ];
        sort_registration_nodes(&mut nodes, &quickstart());
        assert_eq!(
            names(&nodes),
            vec![
                "default:csrf_token",
                "default:traits.email",
                "password:password",
                "default:traits.name.first",
                "default:traits.name.last",
                "password:method",
                "profile:screen"
            ]
        );
    }

    #[test]
    fn unknown_groups_move_to_front_and_values_break_ties() {
        let mut nodes = vec![
            node("default", "traits.emails.1", Some(json!("b"))),
            node("default", "traits.emails.0", Some(json!("a"))),
            node("captcha", "captcha", None),
            node("custom", "x", None),
            node("default", "traits.unknown", None),
        ];
        let schema = json!({"type": "object", "properties": {"traits": {"type": "object", "properties": {"emails": {"type": "array"}}}}});
        sort_registration_nodes(&mut nodes, &schema);
        assert_eq!(
            names(&nodes),
            vec![
                "custom:x",
                "default:traits.emails.0",
                "default:traits.emails.1",
                "default:traits.unknown",
                "captcha:captcha"
            ]
        );
    }

    fn csrf(value: &str) -> Node {
        let mut n = Node::input("default", "csrf_token", "hidden");
        n.attributes.value = Some(json!(value));
        n.attributes.required = true;
        n
    }

    fn submit(group: &str, name: &str, value: &str, label: (i64, &str)) -> Node {
        let mut n = Node::input(group, name, "submit");
        n.attributes.value = Some(json!(value));
        n.meta.label = Some(crate::text::Message::new(
            label.0,
            crate::text::MessageType::Info,
            label.1,
        ));
        n
    }

    fn summary(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| {
                let a = &n.attributes;
                format!(
                    "{} {} {} value={} required={} ac={} label={}",
                    n.group,
                    a.name,
                    a.input_type,
                    a.value.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    a.required,
                    a.autocomplete.clone().unwrap_or_default(),
                    n.meta
                        .label
                        .as_ref()
                        .map(|l| format!("{}:{}", l.id, l.text))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    /// Spec §11.7, initial two-step form: profile sets CSRF, upserts the trait nodes and appends
    /// the profile submit button.
    #[test]
    fn quickstart_two_step_initial_form() {
        let mut nodes = vec![csrf("")];
        nodes.extend(crate::ui::nodes::nodes_from_schema(&quickstart(), "default").unwrap());
        nodes.push(submit("profile", "method", "profile", (1040001, "Sign up")));
        sort_registration_nodes(&mut nodes, &quickstart());
        assert_eq!(
            summary(&nodes),
            vec![
                "default csrf_token hidden value=\"\" required=true ac= label=",
                "default traits.email email value= required=true ac=email label=1070002:E-Mail",
                "default traits.name.first text value= required=false ac= label=1070002:First Name",
                "default traits.name.last text value= required=false ac= label=1070002:Last Name",
                "profile method submit value=\"profile\" required=false ac= label=1040001:Sign up",
            ]
        );
    }

    /// Spec §11.7, unified style: the password input sits between the first and second trait.
    #[test]
    fn quickstart_unified_initial_form() {
        let mut nodes = vec![csrf("")];
        nodes.extend(crate::ui::nodes::nodes_from_schema(&quickstart(), "default").unwrap());
        let mut password = Node::input("password", "password", "password");
        password.attributes.required = true;
        password.attributes.autocomplete = Some("new-password".into());
        password.meta.label = Some(crate::text::Message::new(
            1070001,
            crate::text::MessageType::Info,
            "Password",
        ));
        nodes.push(password);
        nodes.push(submit(
            "password",
            "method",
            "password",
            (1040001, "Sign up"),
        ));
        sort_registration_nodes(&mut nodes, &quickstart());
        assert_eq!(
            summary(&nodes),
            vec![
                "default csrf_token hidden value=\"\" required=true ac= label=",
                "default traits.email email value= required=true ac=email label=1070002:E-Mail",
                "password password password value= required=true ac=new-password label=1070001:Password",
                "default traits.name.first text value= required=false ac= label=1070002:First Name",
                "default traits.name.last text value= required=false ac= label=1070002:Last Name",
                "password method submit value=\"password\" required=false ac= label=1040001:Sign up",
            ]
        );
    }

    /// Required traits listed before the CSRF token and the password nodes: CSRF first, the
    /// identifier, the password, the remaining trait, the submit.
    #[test]
    fn scrambled_required_traits_are_put_in_schema_order() {
        let schema = json!({"type": "object", "properties": {"traits": {"type": "object", "properties": {
            "username": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
            "foobar": {"type": "string"}
        }}}});
        let mut foobar = node("default", "traits.foobar", None);
        foobar.attributes.required = true;
        let mut username = node("default", "traits.username", None);
        username.attributes.required = true;
        let mut nodes = vec![
            foobar,
            username,
            csrf("token"),
            node("password", "password", None),
            submit("password", "method", "password", (1040001, "Sign up")),
        ];
        sort_registration_nodes(&mut nodes, &schema);
        assert_eq!(
            names(&nodes),
            vec![
                "default:csrf_token",
                "default:traits.username",
                "password:password",
                "default:traits.foobar",
                "password:method"
            ]
        );
    }

    /// Fixture produced with Go 1.26 `sort.SliceStable` and the same non-total comparator
    /// (`a%3 == b%3 && a/3 < b/3`, i.e. only same-residue elements are ordered) on 0..45
    /// reversed: the exact permutation depends on the block-insertion + SymMerge algorithm.
    #[test]
    fn stable_sort_matches_go_for_non_total_comparator() {
        let mut data: Vec<i32> = (0..45).rev().collect();
        go_stable_sort(&mut data, &|a: &i32, b: &i32| {
            a % 3 == b % 3 && a / 3 < b / 3
        });
        let want: Vec<i32> = GO_FIXTURE.split(' ').map(|s| s.parse().unwrap()).collect();
        assert_eq!(data, want);
    }

    const GO_FIXTURE: &str = "44 43 24 42 23 41 40 39 38 4 22 37 36 35 34 3 21 33 2 32 31 30 20 19 18 17 29 16 15 14 13 28 12 11 10 9 27 8 26 7 25 6 5 1 0";
}

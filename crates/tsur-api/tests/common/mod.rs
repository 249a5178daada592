//! What several of the API's test files build alike.

/// A new appeal as the store takes it: `appeal`, registered by an operator when it was received.
pub fn registered(appeal: tsur_core::Appeal) -> tsur_store_sqlite::NewAppeal {
    let registered = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: appeal.id,
        at: appeal.received_at,
        actor: "оператор".into(),
        node: appeal.node.clone(),
        kind: tsur_core::EventKind::Registered,
    };
    tsur_store_sqlite::NewAppeal { appeal, author: None, events: vec![registered] }
}

//! The decree's roles as the database names them, and a login's grant.

use tsur_core::scope::{Role, Scope};
use tsur_core::{BlockId, MunicipalityId};

/// Every role, in the decree's order.
pub(crate) const ALL_ROLES: [Role; 8] =
    [Role::Curator, Role::Deputy, Role::Operator, Role::BlockResponsible, Role::BlockHead, Role::Media, Role::MunicipalOfficer, Role::Wall];

/// The role's name in `user_grants.role`; its group role is `tsur_` followed by it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Curator => "curator",
        Role::Deputy => "deputy",
        Role::Operator => "operator",
        Role::BlockResponsible => "block_responsible",
        Role::BlockHead => "block_head",
        Role::Media => "media",
        Role::MunicipalOfficer => "municipal_officer",
        Role::Wall => "wall",
    }
}

/// The role named `name` in `user_grants.role`.
pub fn role_from_name(name: &str) -> Option<Role> {
    ALL_ROLES.into_iter().find(|role| role_name(*role) == name)
}

/// Whether the role may read authors' personal data: the schema grants `appeal_authors` to
/// exactly these roles.
pub(crate) fn may_see_personal_data(role: Role) -> bool {
    matches!(role, Role::Curator | Role::Deputy | Role::Operator | Role::BlockResponsible | Role::MunicipalOfficer)
}

pub(crate) fn scope_of(role: Role, blocks: Option<Vec<String>>, municipalities: Option<Vec<String>>) -> Scope {
    Scope {
        role,
        blocks: blocks.map(|b| b.into_iter().map(BlockId).collect()),
        municipalities: municipalities.map(|m| m.into_iter().map(MunicipalityId).collect()),
        may_see_personal_data: may_see_personal_data(role),
    }
}

/// A login's row in `user_grants`: its role and scope (`None` = every block, every
/// municipality).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    /// The PostgreSQL login.
    pub login: String,
    /// The decree role.
    pub role: Role,
    /// Allowed blocks; `None` means every block.
    pub blocks: Option<Vec<String>>,
    /// Allowed municipalities; `None` means every municipality.
    pub municipalities: Option<Vec<String>>,
    /// Why (an order's number, a person's position).
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema names the same roles: its CHECK on user_grants.role and its group roles.
    #[test]
    fn every_role_round_trips_and_is_in_the_schema() {
        let schema = include_str!("../../../migrations/postgres/0001_central.sql");
        for role in ALL_ROLES {
            let name = role_name(role);
            assert_eq!(role_from_name(name), Some(role));
            assert!(schema.contains(&format!("'{name}'")), "user_grants.role does not allow {name}");
            assert!(schema.contains(&format!("'tsur_{name}'")), "no group role tsur_{name}");
        }
        assert_eq!(role_from_name("admin"), None);
    }
}

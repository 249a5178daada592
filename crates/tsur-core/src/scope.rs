//! Who may see what. Every read of appeals takes a [`Scope`], even while the only user is
//! the local curator with the full scope, so that access rules have one place to live.

use crate::{BlockId, MunicipalityId};

/// The roles of the decree's structure table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Куратор ЦУР.
    Curator,
    /// Заместитель куратора.
    Deputy,
    /// Оператор ЦУР (the IT ministry): data quality, reference books.
    Operator,
    /// Ответственный за отраслевой блок.
    BlockResponsible,
    /// Руководитель отраслевого блока.
    BlockHead,
    /// Ответственный за работу со СМИ: never personal data.
    Media,
    /// An officer of a municipality or agency.
    MunicipalOfficer,
    /// The wall display: aggregates only, never personal data or free text.
    Wall,
}

/// What a reader may see: a role, the blocks and municipalities allowed (None = all) and
/// whether personal data of authors may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The reader's role.
    pub role: Role,
    /// Allowed blocks; `None` means every block.
    pub blocks: Option<Vec<BlockId>>,
    /// Allowed municipalities; `None` means every municipality.
    pub municipalities: Option<Vec<MunicipalityId>>,
    /// Whether authors' names and contacts may be read.
    pub may_see_personal_data: bool,
}

impl Scope {
    /// The local curator: everything, including personal data.
    pub fn local_curator() -> Scope {
        Scope { role: Role::Curator, blocks: None, municipalities: None, may_see_personal_data: true }
    }

    /// The wall display: everything in aggregate, no personal data.
    pub fn wall() -> Scope {
        Scope { role: Role::Wall, blocks: None, municipalities: None, may_see_personal_data: false }
    }

    /// Whether an appeal of this block and municipality is visible. An unclassified appeal
    /// (no block yet) is visible only to scopes that are not limited by block.
    pub fn allows(&self, block: Option<&BlockId>, municipality: &MunicipalityId) -> bool {
        self.allows_ids(block.map(BlockId::as_str), municipality.as_str())
    }

    /// [`Scope::allows`] for ids as read (a list of many rows need not make an id of each).
    pub fn allows_ids(&self, block: Option<&str>, municipality: &str) -> bool {
        let block_ok = match (&self.blocks, block) {
            (None, _) => true,
            (Some(allowed), Some(b)) => allowed.iter().any(|x| x.as_str() == b),
            (Some(_), None) => false,
        };
        let municipality_ok = self.municipalities.as_ref().is_none_or(|allowed| allowed.iter().any(|x| x.as_str() == municipality));
        block_ok && municipality_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_table() {
        let head = Scope { role: Role::BlockHead, blocks: Some(vec!["roads".into()]), municipalities: None, may_see_personal_data: false };
        let officer = Scope { role: Role::MunicipalOfficer, blocks: None, municipalities: Some(vec!["limansky".into()]), may_see_personal_data: true };
        let roads: BlockId = "roads".into();
        let health: BlockId = "health".into();
        let cases = [
            (Scope::local_curator(), Some(&health), "astrakhan", true),
            (head.clone(), Some(&roads), "astrakhan", true),
            (head.clone(), Some(&health), "astrakhan", false),
            (head, None, "astrakhan", false),
            (officer.clone(), Some(&health), "limansky", true),
            (officer, Some(&health), "astrakhan", false),
        ];
        for (scope, block, municipality, expected) in cases {
            assert_eq!(scope.allows(block, &municipality.into()), expected, "{scope:?} {block:?} {municipality}");
            assert_eq!(scope.allows_ids(block.map(BlockId::as_str), municipality), expected, "ids as read: {scope:?} {block:?} {municipality}");
        }
    }
}

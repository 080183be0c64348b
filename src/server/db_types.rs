//! The model's enums as database columns. They are stored as their text
//! (`as_str`) and read back with `parse`; a stored value the code does not
//! know is a decoding error, never a silent default: it means the data and
//! the code disagree, and someone must look.

use crate::model::account::Role;
use crate::model::enquiry::{EnquiryStatus, NoteKind};
use crate::model::enrolment::{Attendance, EnrolmentStatus};
use crate::model::query::{Kind, Level, Mode};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};

macro_rules! text_column {
    ($($ty:ident),+) => {$(
        text_column!(@backend $ty, Sqlite);
        text_column!(@backend $ty, Postgres);
    )+};
    (@backend $ty:ident, $db:ident) => {
        impl Type<$db> for $ty {
            fn type_info() -> <$db as Database>::TypeInfo {
                <str as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <str as Type<$db>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, $db> for $ty {
            fn decode(value: <$db as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<'r, $db>>::decode(value)?;
                $ty::parse(text).ok_or_else(|| format!("unknown {} {:?} in the database", stringify!($ty), text).into())
            }
        }

        impl<'q> Encode<'q, $db> for $ty {
            fn encode_by_ref(&self, buf: &mut <$db as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, $db>>::encode(self.as_str(), buf)
            }
        }
    };
}

text_column!(Role, Kind, Level, Mode, EnrolmentStatus, Attendance, EnquiryStatus, NoteKind);

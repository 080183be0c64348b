//! Search relevance: what a person typing into the catalogue's search box
//! expects to see first, over the demo catalogue, on both backends. Each
//! case names the courses that must fill the top places (in any order
//! among themselves) and, where it matters, courses that must not be near
//! the top. Every case is checked and every miss reported together.

use crate::helpers::TestApp;

struct Case {
    q: &'static str,
    /// The first `n` results are all among these titles (with `case`,
    /// these very titles in any order).
    top: (usize, &'static [&'static str]),
    /// None of these titles is among the first `n` results.
    not_near: (usize, &'static [&'static str]),
}

const fn case(q: &'static str, top: &'static [&'static str]) -> Case {
    Case { q, top: (top.len(), top), not_near: (0, &[]) }
}

const CASES: &[Case] = &[
    // A word in a title or a category outranks any number of mentions in a
    // description: Power BI mentions row-level security; Kubernetes secures
    // its clusters. The courses about security come first.
    Case {
        q: "security",
        top: (
            8,
            &[
                "CompTIA Security+ (SY0-701) Preparation",
                "CISSP Exam Preparation Bootcamp",
                "Security Operations and Incident Response",
                "Cloud Security Essentials for AWS and Azure",
                "Network Security and Next-Generation Firewalls",
                "Cybersecurity Awareness for Everyone",
                "Secure Coding for Web Developers",
                "Ethical Hacking and Penetration Testing",
            ],
        ),
        not_near: (9, &["Microsoft Power BI Data Analyst (PL-300)", "Kubernetes Administration (CKA Preparation)"]),
    },
    Case {
        q: "cybersecurity",
        top: (
            5,
            &[
                "CompTIA Security+ (SY0-701) Preparation",
                "CISSP Exam Preparation Bootcamp",
                "Security Operations and Incident Response",
                "Cybersecurity Awareness for Everyone",
                "Ethical Hacking and Penetration Testing",
            ],
        ),
        not_near: (8, &["Microsoft Power BI Data Analyst (PL-300)", "Kubernetes Administration (CKA Preparation)"]),
    },
    case("ethical hacking", &["Ethical Hacking and Penetration Testing"]),
    case("penetration testing", &["Ethical Hacking and Penetration Testing"]),
    case("kubernetes", &["Kubernetes Administration (CKA Preparation)"]),
    // A word cut short still finds what it starts.
    case("kube", &["Kubernetes Administration (CKA Preparation)"]),
    case(
        "aws",
        &[
            "AWS Cloud Practitioner Essentials",
            "AWS Certified Solutions Architect - Associate",
            "Cloud Security Essentials for AWS and Azure",
        ],
    ),
    case("azure", &["Microsoft Azure Fundamentals (AZ-900)", "Microsoft Azure Administrator (AZ-104)"]),
    case("cloud security", &["Cloud Security Essentials for AWS and Azure"]),
    case("python", &["Python Programming for Beginners", "Data Science with Python"]),
    case("sql", &["SQL Fundamentals for Data Analysis", "Advanced SQL: Window Functions and Query Performance"]),
    case("power bi", &["Microsoft Power BI Data Analyst (PL-300)"]),
    case("machine learning", &["Applied Machine Learning with scikit-learn"]),
    case("excel", &["Excel for Data Analysis"]),
    case("react", &["Front-End Development with React"]),
    case("javascript", &["Web Development with JavaScript"]),
    case("cisco", &["Cisco CCNA (200-301) Preparation"]),
    case("firewall", &["Network Security and Next-Generation Firewalls"]),
    case("itil", &["ITIL 4 Foundation", "ITIL 4 Specialist: Create, Deliver and Support"]),
    case("scrum", &["Professional Scrum Master (PSM I)", "Professional Scrum Product Owner (PSPO I)"]),
    case("pmp", &["PMP Exam Preparation"]),
    case("prince2", &["PRINCE2 7 Foundation and Practitioner"]),
    case("cissp", &["CISSP Exam Preparation Bootcamp"]),
    case("negotiation", &["Negotiation Essentials", "Advanced Negotiation Strategies", "Negotiating with Suppliers"]),
    case("public speaking", &["Public Speaking with Confidence"]),
    case("difficult conversations", &["Handling Difficult Conversations"]),
    case("coaching", &["Coaching Skills for Managers"]),
    case("time management", &["Time and Priority Management", "Time Management for Managers: Delegation and Planning"]),
    case("remote work", &["Productivity for Hybrid and Remote Workers"]),
    case("presenting data", &["Presenting Data and Insights to Executives"]),
    // No course has both words: those with either are shown rather than
    // nothing, the ones named for either word first.
    case(
        "kubernetes negotiation",
        &[
            "Kubernetes Administration (CKA Preparation)",
            "Negotiation Essentials",
            "Advanced Negotiation Strategies",
            "Negotiating with Suppliers",
        ],
    ),
];

async fn titles(app: &TestApp, q: &str) -> Vec<String> {
    let query = format!("q={}&per_page=20", q.replace(' ', "+"));
    let page = app.state.catalogue.search(&query).await.unwrap();
    page.items.into_iter().map(|c| c.title).collect()
}

#[tokio::test]
async fn the_first_results_are_the_ones_a_person_expects() {
    let app = TestApp::demo().await;
    let mut misses = Vec::new();
    for case in CASES {
        let found = titles(&app, case.q).await;
        let (n, wanted) = case.top;
        let missing: Vec<&String> = found.iter().take(n).filter(|t| !wanted.contains(&t.as_str())).collect();
        let (n, unwanted) = case.not_near;
        let near: Vec<&String> = found.iter().take(n).filter(|t| unwanted.contains(&t.as_str())).collect();
        if !missing.is_empty() || !near.is_empty() || found.is_empty() {
            misses.push(format!(
                "{:?}: unexpected at the top {missing:?}, too near the top {near:?}; got {found:?}",
                case.q
            ));
        }
    }
    assert!(CASES.len() >= 20);
    assert!(misses.is_empty(), "{} of {} queries rank badly:\n{}", misses.len(), CASES.len(), misses.join("\n"));
}

#[tokio::test]
async fn several_words_need_every_word_before_any_will_do() {
    let app = TestApp::demo().await;
    let catalogue = &app.state.catalogue;
    let both = catalogue.search("q=cloud+security&per_page=50").await.unwrap();
    assert!(!both.some_words && both.total > 0);
    let cloud = catalogue.search("q=cloud&per_page=50").await.unwrap();
    assert!(both.total < cloud.total, "every word narrows: {} of {}", both.total, cloud.total);
    // No course has both words: the page says so and shows those with either.
    let either = catalogue.search("q=kubernetes+negotiation&per_page=50").await.unwrap();
    assert!(either.some_words);
    let kubernetes = catalogue.search("q=kubernetes&per_page=50").await.unwrap().total;
    let negotiation = catalogue.search("q=negotiation&per_page=50").await.unwrap().total;
    assert_eq!(either.total, kubernetes + negotiation, "no course has both, so the two sets add up");
    // A word nobody uses finds nothing, with no fallback to speak of.
    let none = catalogue.search("q=zzzyqx+qqqzz").await.unwrap();
    assert_eq!((none.total, none.some_words), (0, false));
}

"""schema.org structured data as plain dicts; templates render them with the `json_ld` filter."""

from .hours import WEEKDAYS


def clinic_jsonld(clinic, site_url: str) -> dict:
    """`Physiotherapy` (a MedicalBusiness) with address, contact and opening hours."""
    return {
        "@context": "https://schema.org",
        "@type": "Physiotherapy",
        "@id": f"{site_url}/#clinic",
        "name": clinic.name,
        "url": f"{site_url}/",
        "telephone": clinic.phone,
        "email": clinic.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": clinic.street_address,
            "addressLocality": clinic.locality,
            "addressRegion": clinic.region,
            "postalCode": clinic.postal_code,
            "addressCountry": clinic.country,
        },
        "hasMap": clinic.map_href,
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{WEEKDAYS[r.weekday]}",
                "opens": r.opens.strftime("%H:%M"),
                "closes": r.closes.strftime("%H:%M"),
            }
            for r in sorted(clinic.opening_ranges(), key=lambda r: (r.weekday, r.opens))
        ],
    }


def blog_posting_jsonld(post, site_url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.search_description or post.lead,
        "datePublished": post.date.isoformat(),
        "dateModified": (
            post.last_published_at.date() if post.last_published_at else post.date
        ).isoformat(),
        "url": post.full_url,
        "mainEntityOfPage": post.full_url,
        "keywords": [tag.name for tag in post.tags.all()],
        "wordCount": post.word_count,
        "timeRequired": f"PT{post.read_minutes}M",
        "publisher": {"@id": f"{site_url}/#clinic"},
    }
    if post.author:
        data["author"] = {
            "@type": "Organization" if post.author.is_organisation else "Person",
            "name": post.author.name,
        }
    return data


def medical_page_jsonld(page, site_url: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.seo_title or page.title,
        "description": page.search_description,
        "url": page.full_url,
        "about": {"@type": "MedicalCondition", "name": page.condition_name},
        "audience": {"@type": "Patient"},
        "lastReviewed": page.last_published_at.date().isoformat()
        if page.last_published_at
        else None,
        "publisher": {"@id": f"{site_url}/#clinic"},
    }
